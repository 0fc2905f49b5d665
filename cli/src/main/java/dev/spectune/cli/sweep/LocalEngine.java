/*
 * LocalEngine: the sweep's embedded default — every run in a child JVM of its own (ChildRun), a
 * pool of workers on this machine sized by cores and memory: at most cores / threads-per-run
 * runs, and never more than the memory the kernel reports available holds at memory_gib each.
 * A failed run is reported and the others go on.
 */
package dev.spectune.cli.sweep;

import dev.spectune.runtime.ProcessMemory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public final class LocalEngine implements SweepEngine {

    @Override
    public String name() {
        return "local";
    }

    /** Runs at once: the request (0: cores / threads), never more than memory holds, at least one. */
    public static int workers(int requested, int cores, int threadsPerRun, double availableGib, double memoryGib) {
        int byCores = Math.max(1, cores / threadsPerRun);
        int byMemory = Math.max(1, (int) Math.floor(availableGib / memoryGib));
        return Math.max(1, Math.min(requested > 0 ? requested : byCores, byMemory));
    }

    @Override
    public Map<String, Outcome> run(List<SweepRun> runs, Path out, ChildRun launcher, Options options) throws Exception {
        double available = ProcessMemory.available() / (double) (1L << 30);
        int n = workers(options.parallel(), Runtime.getRuntime().availableProcessors(), launcher.threads(), available, launcher.memoryGib());
        System.out.printf("local engine: %d run%s at once (%d cores, %d thread%s per run; %.1f GiB available, %.1f GiB per run)%n", n, n == 1 ? "" : "s",
                Runtime.getRuntime().availableProcessors(), launcher.threads(), launcher.threads() == 1 ? "" : "s", available, launcher.memoryGib());
        Map<String, Future<Outcome>> futures = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            for (SweepRun r : runs) futures.put(r.id(), pool.submit(() -> runOne(r, out, launcher, options)));
            Map<String, Outcome> outcomes = new LinkedHashMap<>();
            for (var e : futures.entrySet()) outcomes.put(e.getKey(), e.getValue().get());
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Outcome runOne(SweepRun r, Path out, ChildRun launcher, Options options) throws Exception {
        Path folder = SweepEngine.folder(out, r.id());
        long t0 = System.nanoTime();
        int attempts = 1;
        int code = launcher.run(r, folder, options.killFirstAttemptAfterCheckpoint() ? SweepEngine::checkpointLine : null);
        if (code != 0 && options.killFirstAttemptAfterCheckpoint()) {                    // the injected kill: the run resumes, as a rerun of the sweep would
            attempts++;
            code = launcher.run(r, folder, null);
        }
        Outcome o = new Outcome(code, code == 0 ? null : SweepEngine.errorOf(folder.resolve(ChildRun.LOG), code), attempts, (System.nanoTime() - t0) / 1e9);
        System.out.printf("  run %s %s%n", r.id(), code == 0 ? "finished" : o.state() + " (exit " + code + ")");
        return o;
    }
}
