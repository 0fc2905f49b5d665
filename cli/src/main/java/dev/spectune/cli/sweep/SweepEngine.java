/*
 * SweepEngine: how a sweep's runs get executed — `local` (child JVMs on this machine, the default)
 * or `spark` (one Spark task per run; its own module, found through ServiceLoader so the core
 * command line does not carry Spark). An engine runs what it is given and reports each run's end;
 * the sweep command decides what to run (finished runs are skipped) and writes the results.
 */
package dev.spectune.cli.sweep;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

public interface SweepEngine {

    /** How one run ended: the child's exit code (0: finished), the error when it failed, how many attempts it took, its wall time. */
    record Outcome(int exitCode, String error, int attempts, double seconds) implements java.io.Serializable {

        /**
         * Whether the run was stopped by SIGINT or SIGTERM (Ctrl-C, a polite kill, or the sweep itself
         * stopping): a JVM that exits through such a signal's shutdown ends with 128 + the signal's
         * number, 130 or 143, and `train` has written a checkpoint by then. Such a run is interrupted,
         * not failed: a rerun resumes it.
         */
        public boolean stopped() {
            return exitCode == 128 + 2 || exitCode == 128 + 15;
        }

        /** "finished", "interrupted" or "failed", as RUN/sweep.json records it and the sweep prints it. */
        public String state() {
            return exitCode == 0 ? "finished" : stopped() ? "interrupted" : "failed";
        }
    }

    /**
     * @param parallel  runs at once (local; 0: as many as cores and memory allow)
     * @param master    Spark master URL (spark; e.g. local[2,2], spark://host:7077, yarn)
     * @param killFirstAttemptAfterCheckpoint fault injection for tests: each run's first attempt is killed (SIGKILL) once it wrote a checkpoint
     */
    record Options(int parallel, String master, boolean killFirstAttemptAfterCheckpoint) {}

    String name();

    /** Runs each of {@code runs} in OUT/runs/&lt;id&gt; and returns how each ended, by run id. */
    Map<String, Outcome> run(List<SweepRun> runs, Path out, ChildRun launcher, Options options) throws Exception;

    /** The engine named {@code name}: built in, or from a module on the classpath. */
    static Optional<SweepEngine> named(String name) {
        if (name.equals("local")) return Optional.of(new LocalEngine());
        for (SweepEngine e : ServiceLoader.load(SweepEngine.class)) if (e.name().equals(name)) return Optional.of(e);
        return Optional.empty();
    }

    /** A run's folder. */
    static Path folder(Path out, String id) {
        return out.resolve("runs").resolve(id);
    }

    /** The last lines of a failed run's log that say why (spectune's own error line first). */
    static String errorOf(Path log, int exitCode) {
        try {
            if (!java.nio.file.Files.exists(log)) return "exit " + exitCode + " (no log)";
            List<String> lines = java.nio.file.Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) if (lines.get(i).startsWith("spectune: ")) return lines.get(i).substring(10) + " (exit " + exitCode + ")";
            return "exit " + exitCode + (exitCode == 137 ? " (killed)" : "") + (lines.isEmpty() ? "" : ": " + lines.getLast());
        } catch (java.io.IOException e) {
            return "exit " + exitCode + " (log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Matches the line `train` prints when it wrote a checkpoint. */
    static boolean checkpointLine(String line) {
        return line.startsWith("checkpoint ") && line.contains(" written");
    }
}
