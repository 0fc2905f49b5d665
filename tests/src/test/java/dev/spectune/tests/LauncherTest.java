/*
 * LauncherTest: bin/spectune as a user runs it. A JVM that dies in native code (here: a SIGSEGV
 * sent to it mid-training) leaves its crash report in the crash folder, not the current one, and
 * the launcher turns the death into a message naming the report; Ctrl-C sent to the launcher
 * reaches the JVM, which writes a checkpoint. Needs the jars `verify` has packaged (cli before tests).
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.testing.TestFixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {

    @TempDir
    Path dir;

    private Process launch(Path cwd, Path out) throws IOException {
        Path root = Path.of(System.getenv().getOrDefault("SPECTUNE_ROOT", "..")).toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("bin/spectune").toString(), "train",
                "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--images", TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(),
                "--prompt", "a photo of sks dog", "--method", "lora", "--resolution", "32", "--steps", "100000", "--out", out.toString())
                .directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("SPECTUNE_CRASH_DIR", dir.resolve("crashes").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb.start();
    }

    /** Reads the launcher's output up to the first step line (the training loop is running). */
    private static String untilFirstStep(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = r.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("step")) return seen.toString();
        }
        throw new AssertionError("the run ended before its first step:\n" + seen);
    }

    private static long javaOf(Process launcher) {
        return launcher.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).findFirst().orElseThrow().pid();
    }

    @Test
    void aNativeCrashBecomesAMessageAndItsReportStaysOutOfTheCurrentFolder() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("cwd"));
        Process p = launch(cwd, dir.resolve("run"));
        String output = untilFirstStep(p);
        assertThat(new ProcessBuilder("kill", "-SEGV", Long.toString(javaOf(p))).start().waitFor()).isZero();
        output += new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isGreaterThan(128);
        assertThat(output).containsPattern("spectune: the JVM crashed in native code \\(exit \\d+, signal \\d+\\); its report is .*crashes/hs_err_pid\\d+\\.log");
        try (Stream<Path> s = Files.list(cwd)) {
            assertThat(s.toList()).as("nothing in the current folder").isEmpty();
        }
        try (Stream<Path> s = Files.list(dir.resolve("crashes"))) {
            assertThat(s.map(f -> f.getFileName().toString()).toList()).anyMatch(n -> n.startsWith("hs_err_pid"));
        }
    }

    @Test
    void ctrlCToTheLauncherReachesTheJvmWhichWritesACheckpoint() throws Exception {
        Path run = dir.resolve("run");
        Process p = launch(Files.createDirectories(dir.resolve("cwd")), run);
        String output = untilFirstStep(p);
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        output += new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("interrupted after step").contains("continue with the same command and --resume");
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            assertThat(s.map(f -> f.getFileName().toString()).toList()).hasSize(1).allMatch(n -> n.startsWith("checkpoint-"));
        }
        assertThat(List.of(130, 143)).contains(p.exitValue());
    }

    /**
     * A sweep stopped by SIGTERM to its launcher stops its runs the same way (each writes a
     * checkpoint and exits: none is left running), and a rerun resumes the run to its end.
     */
    @Test
    void aStoppedSweepLeavesNoRunBehindAndResumes() throws Exception {
        Path root = Path.of(System.getenv().getOrDefault("SPECTUNE_ROOT", "..")).toAbsolutePath().normalize();
        Path plan = dir.resolve("plan.yaml"), out = dir.resolve("sweep");
        Files.writeString(plan, "settings:\n  model: " + TestFixtures.path("golden/pipeline_tiny") + "\n  images: " + TestFixtures.path("artifacts/dreambooth/dataset/dog")
                + "\n  prompt: a photo of sks dog\n  resolution: 32\n  steps: 150\n  method: lora\ngrid:\n  seed: [0]\nmemory_gib: 2\n");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("bin/spectune").toString(), "sweep", "--plan", plan.toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sweep.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        var runs = dev.spectune.cli.sweep.SweepRun.allOf(dev.spectune.cli.sweep.SweepPlan.read(plan));
        Path log = out.resolve("runs").resolve(runs.getFirst().id()).resolve("train.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(Files.exists(log) && Files.readString(log).lines().anyMatch(l -> l.startsWith("step "))) && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(Files.readString(log).lines().anyMatch(l -> l.startsWith("step "))).as("the run's first step line").isTrue();
        List<ProcessHandle> children = p.children().flatMap(ProcessHandle::children).toList();       // launcher → the sweep's JVM → the run's JVM
        assertThat(children).as("the run's JVM").hasSize(1);
        assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor()).isZero();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(children.getFirst().onExit().get(30, TimeUnit.SECONDS).isAlive()).as("the run's JVM after the sweep stopped").isFalse();
        assertThat(Files.readString(log)).contains("interrupted after step");
        assertThat(dev.spectune.cli.sweep.SweepResults.stateOf(log.getParent())).isEqualTo(dev.spectune.cli.sweep.SweepResults.State.INTERRUPTED);

        CheckpointCliTest.Run again = CheckpointCliTest.run("sweep", "--plan", plan.toString(), "--out", out.toString());
        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("was interrupted: resuming");
        assertThat(Files.readString(log)).contains("resumed from");
        assertThat(dev.spectune.cli.sweep.SweepResults.stateOf(log.getParent())).isEqualTo(dev.spectune.cli.sweep.SweepResults.State.FINISHED);
    }
}
