/*
 * ChildRun: one sweep run as `spectune train` in a JVM of its own — SameDiff and ND4J keep global
 * state, and a native crash must take down one run, not the sweep. Every engine launches runs
 * through this class (the Spark engine on its executors), so a run gets the same JVM flags and the
 * same ND4J/OpenBLAS thread count wherever it runs. The child's output is appended to
 * RUN/train.log (a resumed attempt adds to the same log).
 */
package dev.spectune.cli.sweep;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

public record ChildRun(String javaBinary, String classPath, int threads, double memoryGib, String nativeExtension) implements Serializable {

    public static final String LOG = "train.log";

    /**
     * The children this JVM runs. When the sweep itself is stopped (Ctrl-C, SIGTERM to its JVM),
     * each gets SIGTERM — `train` then writes a checkpoint and exits — and the JVM waits for them,
     * so no run is left orphaned and a rerun resumes every one.
     */
    private static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How long a stopped sweep waits for its runs to write their checkpoints. */
    static final long STOP_WAIT_SECONDS = 120;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildRun::stopAll, "spectune-sweep-runs"));
    }

    private static void stopAll() {
        for (Process p : LIVE) p.destroy();
        for (Process p : LIVE) {
            try {
                if (!p.waitFor(STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    /** A launcher with this JVM's java, classpath and ND4J native build. */
    public static ChildRun like(SweepPlan plan) {
        return new ChildRun(javaHere(), classPathHere(), plan.threads(), plan.memoryGib(), System.getProperty("org.bytedeco.javacpp.platform.extension", ""));
    }

    /** The same launcher on another machine: that JVM's java and classpath, this plan's threads, memory and native build. */
    public ChildRun here() {
        return new ChildRun(javaHere(), classPathHere(), threads, memoryGib, nativeExtension);
    }

    private static String javaHere() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Where spectune's classes are, then this JVM's classpath: a Spark executor loads the
     * application jar (the spark-submit assembly) through its own class loader, not java.class.path.
     */
    private static String classPathHere() {
        String classPath = System.getProperty("java.class.path");
        try {
            var source = ChildRun.class.getProtectionDomain().getCodeSource();
            if (source != null) return Path.of(source.getLocation().toURI()) + java.io.File.pathSeparator + classPath;
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall back to the classpath alone
        }
        return classPath;
    }

    /** The child's command: the JVM flags the launcher bin/spectune uses, the heap at most half the run's memory. */
    List<String> command(SweepRun run, Path folder) {
        long memoryMib = (long) (memoryGib * 1024);
        long heapMib = Math.max(256, Math.min(3072, memoryMib / 2));
        List<String> c = new ArrayList<>(List.of(javaBinary, "-Xmx" + heapMib + "m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + memoryMib + "M",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dorg.bytedeco.javacpp.platform.extension=" + nativeExtension));
        String commit = System.getProperty("spectune.git.commit");
        if (commit != null) c.add("-Dspectune.git.commit=" + commit);
        c.addAll(List.of("-cp", classPath, "dev.spectune.cli.Main"));
        c.addAll(run.commandLine(folder));
        return c;
    }

    /**
     * Runs {@code run} in {@code folder} to its end.
     *
     * @param killWhen test hook: when a line of the child's log matches, the child is killed (SIGKILL), as a lost executor would be
     * @return the child's exit code (137 when killed)
     */
    public int run(SweepRun run, Path folder, Predicate<String> killWhen) throws IOException, InterruptedException {
        Files.createDirectories(folder);
        Path log = folder.resolve(LOG);
        ProcessBuilder pb = new ProcessBuilder(command(run, folder)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("OMP_NUM_THREADS", Integer.toString(threads));                                   // libnd4j's OpenMP pool
        env.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));                              // OpenBLAS's own
        Process p = pb.start();
        LIVE.add(p);
        try {
            return killWhen == null ? p.waitFor() : watch(p, log, killWhen);
        } finally {
            LIVE.remove(p);
        }
    }

    /** Waits for {@code p}, killing it (SIGKILL) at the first log line {@code killWhen} matches. */
    private static int watch(Process p, Path log, Predicate<String> killWhen) throws IOException, InterruptedException {
        long read = Files.size(log);
        StringBuilder partial = new StringBuilder();
        while (p.isAlive()) {
            Thread.sleep(100);
            long size = Files.size(log);
            if (size <= read) continue;
            try (var ch = java.nio.channels.FileChannel.open(log)) {
                var buf = java.nio.ByteBuffer.allocate((int) (size - read));
                ch.read(buf, read);
                partial.append(new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.UTF_8));
                read += buf.position();
            }
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                if (killWhen.test(line)) {
                    p.destroyForcibly();
                    return p.waitFor();
                }
            }
        }
        return p.waitFor();
    }
}
