/*
 * EvalAggregateCommand: `spectune eval aggregate --out DIR RUN...` — the papers' row from several
 * subjects' `eval dreambooth` folders: CLIP-I, CLIP-T and DINO as mean ± standard deviation over
 * subjects (evaluation.DreamBoothEval.aggregate).
 */
package dev.spectune.cli;

import dev.spectune.evaluation.DreamBoothEval;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "aggregate", mixinStandardHelpOptions = true, description = "Mean ± std over subjects of several eval dreambooth folders.")
public final class EvalAggregateCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "eval dreambooth output folders, one per subject.") List<Path> runs;
    @Option(names = "--out", required = true, description = "Where aggregate.json and aggregate.md go.") Path out;

    @Override
    public Integer call() throws Exception {
        var spread = DreamBoothEval.aggregate(runs, out);
        StringBuilder line = new StringBuilder(runs.size() + " subjects:");
        spread.forEach((k, s) -> line.append(String.format(Locale.ROOT, " %s %.4f ± %.4f", k, s.mean(), s.std())));
        System.out.println(line.append("; ").append(out));
        return 0;
    }
}
