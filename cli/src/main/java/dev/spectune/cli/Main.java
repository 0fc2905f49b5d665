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
        subcommands = {DemoCommand.class, TrainCommand.class, SampleCommand.class, ExportCommand.class, ParamsCommand.class, InspectCommand.class, SpectrumCommand.class, VerifyDecompCommand.class, ParityCommand.class, EvalCommand.class, BenchCommand.class, RandomPipelineCommand.class, dev.spectune.cli.sweep.SweepCommand.class, dev.spectune.cli.world.WorldCommand.class, dev.spectune.cli.world.CompareCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Errors in what the user gave (paths, files, configs, options): exit code 2. */
    static boolean isBadInput(Exception e) {
        return e instanceof IllegalArgumentException
                || e instanceof dev.spectune.checkpoint.CheckpointException
                || e instanceof dev.spectune.checkpoint.safetensors.SafetensorsException
                || e instanceof dev.spectune.checkpoint.config.ConfigException
                || e instanceof java.io.IOException;
    }

    /** The command line as main() runs it, without exiting: for tests and embedding. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        ParityCommand.addKinds(cl.getSubcommands().get("parity"));
        CommandLine.ITypeConverter<Double> finite = Main::finite;                         // NaN or ∞ in an option is a typo, never a setting
        cl.registerConverter(Double.class, finite);
        cl.registerConverter(Double.TYPE, finite);
        return cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("spectune: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return isBadInput(e) ? 2 : 1;
                });
    }

    /** A number option's value: a finite double ("NaN", "Infinity" are refused, so picocli names the option and exits 2). */
    static Double finite(String text) {
        double v;
        try {
            v = Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a number");
        }
        if (!Double.isFinite(v)) throw new CommandLine.TypeConversionException("'" + text + "' is not a finite number");
        return v;
    }

    public static void main(String[] args) {
        dev.spectune.runtime.ConsoleNoise.silenceSameDiff();
        int code = commandLine().execute(args);
        System.exit(code);
    }
}
