/*
 * SweepCommand: `spectune sweep --plan FILE --out DIR [--engine local|spark] [--master URL]
 * [--parallel N]` and `spectune sweep status DIR` — many training runs from one plan (SweepPlan),
 * each in OUT/runs/<id> (SweepRun's id: the training settings' fingerprint). A rerun skips finished
 * runs and resumes interrupted ones from their checkpoints; a failed run is reported with its error
 * and the others go on; the exit code is 1 when any run failed. Results: OUT/results.csv,
 * results.md, results.png (SweepResults).
 */
package dev.spectune.cli.sweep;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sweep", mixinStandardHelpOptions = true, subcommands = SweepCommand.Status.class,
        description = "Run many trainings from a YAML plan (subjects × methods × settings × seeds), on this machine or a Spark cluster.")
public final class SweepCommand implements Callable<Integer> {

    @Option(names = "--plan", description = "The sweep plan (YAML: settings, grid, runs, threads, memory_gib, score).") Path plan;
    @Option(names = "--out", description = "The sweep's folder: runs/<id>/, runs.json, results.csv, results.md, results.png.") Path out;
    @Option(names = "--engine", defaultValue = "local", description = "local (child JVMs here; default) or spark (the sweep-spark module).") String engine;
    @Option(names = "--master", defaultValue = "local[2,2]", description = "Spark master URL for --engine spark (default ${DEFAULT-VALUE}: 2 workers, a lost task tried twice).") String master;
    @Option(names = "--parallel", defaultValue = "0", description = "Runs at once on the local engine (0: cores / threads per run, within memory).") int parallel;
    @Option(names = "--inject-kill-after-checkpoint", hidden = true, description = "Fault injection for tests: each run's first attempt is killed once it wrote a checkpoint.")
    boolean injectKill;

    @Override
    public Integer call() throws Exception {
        if (plan == null || out == null) throw new IllegalArgumentException("sweep needs --plan FILE and --out DIR (or: sweep status DIR)");
        if (parallel < 0) throw new IllegalArgumentException("--parallel must be >= 0, got " + parallel);
        SweepPlan p = SweepPlan.read(plan);
        SweepEngine e = SweepEngine.named(engine).orElseThrow(() -> new IllegalArgumentException("--engine " + engine + ": "
                + (engine.equals("spark") ? "the Spark engine (module sweep-spark) is not on the classpath: build it with ./mvnw -B -q install -DskipTests and run bin/spectune sweep, which adds it, or spark-submit the sweep-spark assembly (README, Sweeps)"
                : "unknown engine (expected local or spark)")));
        var rows = execute(p, plan.toString(), out, e, new SweepEngine.Options(parallel, master, injectKill));
        long failed = rows.stream().filter(r -> r.state() == SweepResults.State.FAILED).count();
        return failed > 0 ? 1 : 0;
    }

    /**
     * Runs a plan's runs that have not finished into OUT/runs/&lt;id&gt; on {@code engine} and writes
     * the results (results.csv, results.md, results.png); returns every run's row. What `sweep` and
     * `compare` run.
     */
    public static List<SweepResults.Row> execute(SweepPlan p, String planName, Path out, SweepEngine e, SweepEngine.Options options) throws Exception {
        List<SweepRun> runs = SweepRun.allOf(p);
        Files.createDirectories(out.resolve("runs"));
        SweepResults.writeRunList(out, runs);
        List<SweepRun> todo = new ArrayList<>();
        for (SweepRun r : runs) {
            SweepResults.State s = SweepResults.stateOf(SweepEngine.folder(out, r.id()));
            if (s == SweepResults.State.FINISHED) System.out.printf("  run %s finished before: skipped %s%n", r.id(), r.settings());
            else {
                if (s == SweepResults.State.INTERRUPTED) System.out.printf("  run %s was interrupted: resuming from its checkpoint %s%n", r.id(), r.settings());
                todo.add(r);
            }
        }
        System.out.printf("sweep %s: %d runs, %d to run, engine %s%n", planName, runs.size(), todo.size(), e.name());
        long t0 = System.nanoTime();
        ChildRun launcher = ChildRun.like(p);
        Map<String, SweepEngine.Outcome> outcomes = todo.isEmpty() ? Map.of()
                : e.run(todo, out.toAbsolutePath(), launcher, options);
        for (SweepRun r : todo) {
            SweepEngine.Outcome o = outcomes.get(r.id());
            if (o == null) o = new SweepEngine.Outcome(-1, "the engine did not report this run", 0, 0);
            SweepResults.writeOutcome(SweepEngine.folder(out, r.id()), r, e.name(), launcher, o);
            if (o.stopped()) System.out.printf("  run %s was stopped (exit %d): a rerun resumes it%n", r.id(), o.exitCode());
            else if (o.exitCode() != 0) System.out.printf("  run %s failed: %s%n", r.id(), o.error());
        }
        Map<String, Map<String, String>> list = new LinkedHashMap<>();
        for (SweepRun r : runs) list.put(r.id(), r.settings());
        var rows = SweepResults.write(out, list, p.score());
        long failed = rows.stream().filter(r -> r.state() == SweepResults.State.FAILED).count();
        System.out.printf("sweep: %d finished, %d failed, in %.1f s; results in %s (results.csv, results.md, results.png); driver peak RSS %.2f GiB%n",
                rows.size() - failed, failed, (System.nanoTime() - t0) / 1e9, out, dev.spectune.runtime.ProcessMemory.peak() / (double) (1L << 30));
        return rows;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List a sweep's runs by state: finished, failed, interrupted, pending.")
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", description = "The sweep's --out folder.") Path out;

        @Override
        public Integer call() throws Exception {
            Map<String, Map<String, String>> runs = SweepResults.runList(out);
            Map<SweepResults.State, List<String>> by = new LinkedHashMap<>();
            for (SweepResults.State s : SweepResults.State.values()) by.put(s, new ArrayList<>());
            for (SweepResults.Row r : SweepResults.rows(out, runs)) {
                by.get(r.state()).add(r.id() + "  " + r.settings() + (r.error().isEmpty() ? "" : "  " + r.error()));
            }
            for (var e : by.entrySet()) {
                System.out.printf("%s: %d%n", e.getKey().name().toLowerCase(), e.getValue().size());
                for (String line : e.getValue()) System.out.println("  " + line);
            }
            return 0;
        }
    }
}
