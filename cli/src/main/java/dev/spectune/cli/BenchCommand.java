/*
 * BenchCommand: `spectune bench …` — benchmarks that print numbers (never timed unit tests).
 */
package dev.spectune.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", description = "Benchmarks that print their figures.",
        mixinStandardHelpOptions = true, subcommands = {OpsBenchCommand.class, UNetBenchCommand.class, OptimBenchCommand.class, SvdBenchCommand.class, TrainBenchCommand.class, MemoryBenchCommand.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
