/*
 * ParityCommand: `spectune parity <kind> <golden-folder>` — compares spectune with the golden
 * tensors dumped from the upstream code, one line per compared item and a last summary line;
 * exit 0 only when everything is within tolerance, 1 when a comparison fails, 2 when the folder
 * cannot be read. The kinds are the rows of the parity table (dev.spectune.parity.ParityKind).
 */
package dev.spectune.cli;

import dev.spectune.parity.ParityKind;
import dev.spectune.parity.ParityReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare against golden outputs of the upstream implementations.")
public final class ParityCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** One subcommand per row of the parity table. */
    static void addKinds(CommandLine parity) {
        for (ParityKind kind : ParityKind.values()) {
            CommandLine sub = new CommandLine(new Kind(kind));
            sub.getCommandSpec().usageMessage().description(kind.description());
            parity.addSubcommand(kind.id(), sub);
        }
    }

    @Command(mixinStandardHelpOptions = true)
    static final class Kind implements Callable<Integer> {
        private final ParityKind kind;

        @Parameters(index = "0", paramLabel = "FOLDER", description = "The golden folder.")
        Path folder;

        Kind(ParityKind kind) {
            this.kind = kind;
        }

        @Override
        public Integer call() {
            dev.spectune.runtime.Nd4jRuntime.init();
            ParityReport report = kind.run(folder);
            System.out.print(report.render());
            return report.allPass() ? 0 : 1;
        }
    }
}
