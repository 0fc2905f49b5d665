/*
 * ParityCommand: `spectune parity <kind> <golden-folder>` — compares spectune with the golden
 * tensors dumped from the upstream code, one line per compared item and a last summary line;
 * exit 0 only when everything is within tolerance.
 */
package dev.spectune.cli;

import picocli.CommandLine.Command;

@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare against golden outputs of the upstream implementations.",
        subcommands = {TokenizerParityCommand.class, ModelParityCommands.TextEncoder.class, ModelParityCommands.UNet.class,
                ModelParityCommands.Vae.class, ModelParityCommands.Taesd.class, ModelParityCommands.Ldm.class,
                MoreParityCommands.Schedulers.class, MoreParityCommands.Pipeline.class, MoreParityCommands.Optim.class,
                MoreParityCommands.Soda.class, MoreParityCommands.Spectral.class, MoreParityCommands.Peft.class, MoreParityCommands.LoraUnet.class,
                MoreParityCommands.TrainStep.class})
public final class ParityCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
