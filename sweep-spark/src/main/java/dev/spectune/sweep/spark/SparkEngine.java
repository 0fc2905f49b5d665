/*
 * SparkEngine: `spectune sweep --engine spark` — one Spark task per training run (Apache Spark
 * 4.2, the first release documented for Java 25). A task launches its run in a child JVM exactly
 * as the local engine does (ChildRun: same flags, same ND4J/OpenBLAS threads), in OUT/runs/<id> as
 * the executor sees that path, reading the base model from a path every node sees; nothing of the
 * model passes through the driver. What comes back is small: the exit code and the run's outputs
 * (adapter files, run.json, log), which the driver writes into its OUT/runs/<id> when they are not
 * already there (a cluster without shared storage).
 *
 * A child killed by a signal (a lost executor, the OOM killer, the test's injected kill) fails the
 * task, and Spark retries it (spark.task.maxFailures; in local mode the master local[N,F] sets F);
 * the retry resumes from the run's last checkpoint, so it ends with the adapter an uninterrupted
 * run gives. A run that exits with an error (bad input, a refused size) is a result, not retried.
 */
package dev.spectune.sweep.spark;

import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.cli.sweep.ChildRun;
import dev.spectune.cli.sweep.SweepEngine;
import dev.spectune.cli.sweep.SweepRun;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;

public final class SparkEngine implements SweepEngine {

    /** What a task runs. */
    record Task(SweepRun run, String out, ChildRun launcher, boolean killFirstAttempt) implements Serializable {}

    /** What a task sends back: how the run ended and its small outputs (path relative to the run folder → bytes). */
    record Result(String id, int exitCode, String error, int attempts, double seconds, Map<String, byte[]> files) implements Serializable {}

    /** The outputs a task returns to the driver: run.json, the adapter folder, the loss log, the scores and the child's log. */
    static final List<String> RETURNED = List.of("run.json", "log.csv", "eval.csv", ChildRun.LOG, "adapter");

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public Map<String, Outcome> run(List<SweepRun> runs, Path out, ChildRun launcher, Options options) throws Exception {
        SparkConf conf = new SparkConf().setAppName("spectune sweep").set("spark.ui.enabled", "false");
        if (!conf.contains("spark.master")) conf.setMaster(options.master());            // spark-submit's --master wins
        if (conf.get("spark.master").startsWith("local")) conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        List<Task> tasks = new ArrayList<>();
        for (SweepRun r : runs) tasks.add(new Task(r, out.toString(), launcher, options.killFirstAttemptAfterCheckpoint()));
        List<Result> results;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            System.out.printf("spark engine: master %s, %d tasks (one per run), task retries %s%n", conf.get("spark.master"), tasks.size(),
                    conf.get("spark.task.maxFailures", "from the master URL"));
            results = sc.parallelize(tasks, tasks.size()).map(new Execute()).collect();
        }
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (Result r : results) {
            Path folder = SweepEngine.folder(out, r.id());
            for (var f : r.files().entrySet()) {
                Path target = folder.resolve(f.getKey());
                if (Files.exists(target) && Arrays.equals(Files.readAllBytes(target), f.getValue())) continue;   // shared storage: already here
                Files.createDirectories(target.getParent());
                Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
                try {
                    Files.write(temp, f.getValue());
                    SafetensorsWriter.moveIntoPlace(temp, target);
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
            Outcome o = new Outcome(r.exitCode(), r.error(), r.attempts(), r.seconds());
            System.out.printf("  run %s %s (attempt %d)%n", r.id(), r.exitCode() == 0 ? "finished" : o.state() + " (exit " + r.exitCode() + ")", r.attempts());
            outcomes.put(r.id(), o);
        }
        return outcomes;
    }

    /** The task body, on an executor. */
    static final class Execute implements Function<Task, Result> {
        @Override
        public Result call(Task t) throws Exception {
            int attempt = TaskContext.get() == null ? 0 : TaskContext.get().attemptNumber();
            Path folder = SweepEngine.folder(Path.of(t.out()), t.run().id());
            long t0 = System.nanoTime();
            ChildRun launcher = t.launcher().here();                                       // this executor's java and classpath
            boolean kill = t.killFirstAttempt() && attempt == 0;
            int code = launcher.run(t.run(), folder, kill ? SweepEngine::checkpointLine : null);
            if (code > 128) {                                                               // killed by a signal: lost, let Spark retry it
                throw new IllegalStateException("run " + t.run().id() + ": its JVM was killed (exit " + code + ", signal " + (code - 128) + ") in attempt " + attempt);
            }
            String error = code == 0 ? null : SweepEngine.errorOf(folder.resolve(ChildRun.LOG), code);
            return new Result(t.run().id(), code, error, attempt + 1, (System.nanoTime() - t0) / 1e9, outputs(folder));
        }
    }

    /** The run's returned outputs, by path relative to its folder (temporaries left out). */
    static Map<String, byte[]> outputs(Path folder) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : RETURNED) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) files.put(name, Files.readAllBytes(p));
            else if (Files.isDirectory(p)) {
                try (var walk = Files.walk(p)) {
                    for (Path f : walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".tmp")).sorted().toList()) {
                        files.put(folder.relativize(f).toString(), Files.readAllBytes(f));
                    }
                }
            }
        }
        return files;
    }
}
