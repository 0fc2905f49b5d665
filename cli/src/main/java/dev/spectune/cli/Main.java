/*
 * Main: the spectune command line (picocli). Each subcommand is a small class; this one only
 * lists them. Exit codes: 0 success, 1 a check failed (parity, verification), 2 bad usage or input.
 */
package dev.spectune.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "spectune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class,
        description = "Spectrum-aware parameter-efficient fine-tuning of diffusion models, on the JVM.",
        subcommands = {DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        dev.spectune.runtime.ConsoleNoise.silenceSameDiff();
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("spectune: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return e instanceof IllegalArgumentException ? 2 : 1;
                })
                .execute(args);
        System.exit(code);
    }
}
