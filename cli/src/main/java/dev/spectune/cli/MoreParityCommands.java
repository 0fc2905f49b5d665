/*
 * MoreParityCommands: `spectune parity schedulers|pipeline|optim <folder>`.
 */
package dev.spectune.cli;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.PipelineParity;
import dev.spectune.model.parity.SchedulerParity;
import dev.spectune.training.parity.AdapterParity;
import dev.spectune.training.parity.LoraUnetParity;
import dev.spectune.training.parity.PeftParity;
import dev.spectune.training.parity.TrainStepParity;
import dev.spectune.training.parity.OptimParity;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Command;

final class MoreParityCommands {
    private MoreParityCommands() {}

    @Command(name = "schedulers", mixinStandardHelpOptions = true, description = "DDPM, DDIM, PNDM, Euler, DPM++ 2M vs diffusers (tables, steps, 10-step loops).")
    static final class Schedulers extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return SchedulerParity::run; }
    }

    @Command(name = "optim", mixinStandardHelpOptions = true, description = "Stiefel SGD/Adam and SODA's optimizer recipe vs the reference iterates and states.")
    static final class Optim extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return OptimParity::run; }
    }

    @Command(name = "soda", mixinStandardHelpOptions = true, description = "SODA-SVD and SODA-QR layers vs the SODA authors' code (outputs, weights, gradients).")
    static final class Soda extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return AdapterParity::soda; }
    }

    @Command(name = "spectral", mixinStandardHelpOptions = true, description = "Spectral Adapter additive and rotational layers vs the authors' code.")
    static final class Spectral extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return AdapterParity::spectral; }
    }

    @Command(name = "peft", mixinStandardHelpOptions = true,
            description = "LoRA, rsLoRA, DoRA, conv LoRA, OFT, COFT, VeRA vs peft (golden/peft for 0.13, golden/peft_v0.17 for 0.17).")
    static final class Peft extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return PeftParity::run; }
    }

    @Command(name = "lora-unet", mixinStandardHelpOptions = true, description = "diffusers' LoRA file injected into the tiny UNet vs diffusers' output.")
    static final class LoraUnet extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return LoraUnetParity::run; }
    }

    @Command(name = "train-step", mixinStandardHelpOptions = true, description = "One DreamBooth step: loss and every UNet and text-encoder gradient vs torch autograd.")
    static final class TrainStep extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return TrainStepParity::run; }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true, description = "The text-to-image pipeline vs diffusers, step by step.")
    static final class Pipeline extends ModelParityCommands.Base {
        Function<Path, ParityReport> runner() { return PipelineParity::run; }
    }
}
