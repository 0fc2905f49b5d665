/*
 * SweepTest: the sweep's plan and its local engine. A plan expands its grid in the order written
 * (first key slowest) over the shared settings, then its explicit runs; bad plans are refused naming
 * the file and the key; a run's id is its training settings' fingerprint (relative and absolute
 * paths to the same folder, the same id). End to end on the tiny pipeline: a sweep with a run that
 * cannot fit (refused by train's memory estimate) finishes the other run, reports the failure with
 * its error, exits 1, and a rerun skips the finished run. A run stopped by SIGINT or SIGTERM is
 * interrupted, not failed. The pool never runs more than fit.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.cli.sweep.ChildRun;
import dev.spectune.cli.sweep.LocalEngine;
import dev.spectune.cli.sweep.SweepEngine;
import dev.spectune.cli.sweep.SweepPlan;
import dev.spectune.cli.sweep.SweepResults;
import dev.spectune.cli.sweep.SweepRun;
import dev.spectune.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTest {

    @TempDir
    Path dir;

    private Path plan(String yaml) throws Exception {
        Path p = dir.resolve("plan.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private String shared() {
        return "  model: " + TestFixtures.path("golden/pipeline_tiny") + "\n  images: " + TestFixtures.path("artifacts/dreambooth/dataset/dog")
                + "\n  prompt: a photo of sks dog\n  steps: 2\n  resolution: 32\n";
    }

    @Test
    void theGridExpandsInTheOrderWrittenOverTheSharedSettings() throws Exception {
        SweepPlan p = SweepPlan.read(plan("settings:\n  steps: 3\n  lr: 1e-3\ngrid:\n  method: [lora, oft]\n  seed: [0, 1, 2]\nruns:\n  - {method: vera, seed: 7, lr: 2e-3}\n"));
        List<Map<String, String>> runs = p.expand();
        assertThat(runs).hasSize(7);
        assertThat(runs.get(0)).containsExactly(Map.entry("steps", "3"), Map.entry("lr", "0.001"), Map.entry("method", "lora"), Map.entry("seed", "0"));
        assertThat(runs.get(1)).containsEntry("method", "lora").containsEntry("seed", "1");
        assertThat(runs.get(3)).containsEntry("method", "oft").containsEntry("seed", "0");
        assertThat(runs.get(6)).containsEntry("method", "vera").containsEntry("seed", "7").containsEntry("lr", "0.002");
        assertThat(p.variedSettings()).containsExactly("method", "seed", "lr");
        assertThat(p.threads()).isEqualTo(1);
    }

    @Test
    void badPlansAreRefusedNamingTheFileAndTheKey() throws Exception {
        assertThatThrownBy(() -> SweepPlan.read(plan("setings: {}\ngrid: {seed: [0]}\n"))).hasMessageContaining("plan.yaml").hasMessageContaining("unknown key 'setings'");
        assertThatThrownBy(() -> SweepPlan.read(plan("grid:\n  seed: []\n"))).hasMessageContaining("grid.seed is an empty list");
        assertThatThrownBy(() -> SweepPlan.read(plan("settings:\n  steps: [1, 2]\ngrid: {seed: [0]}\n"))).hasMessageContaining("settings.steps must be a single value");
        assertThatThrownBy(() -> SweepPlan.read(plan("threads: 0\ngrid: {seed: [0]}\n"))).hasMessageContaining("threads must be >= 1");
        assertThatThrownBy(() -> SweepPlan.read(plan("settings: {steps: 2}\n"))).hasMessageContaining("neither a grid nor runs");
        assertThatThrownBy(() -> SweepPlan.read(plan("grid: {seed: [0]}\nscore: fid\n"))).hasMessageContaining("score 'fid' is not a run result");
        assertThatThrownBy(() -> SweepPlan.read(plan("grid: [a\n"))).hasMessageContaining("not readable YAML");
        assertThatThrownBy(() -> SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared() + "grid:\n  stepz: [1]\n"))))
                .hasMessageContaining("setting 'stepz' is not an option of spectune train");
        assertThatThrownBy(() -> SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared() + "  out: /tmp/x\ngrid:\n  seed: [0]\n"))))
                .hasMessageContaining("setting 'out' is set by the sweep itself");
        assertThatThrownBy(() -> SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared() + "grid:\n  seed: [0]\nruns:\n  - {seed: 0}\n"))))
                .hasMessageContaining("two runs train the same thing");
        assertThatThrownBy(() -> SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared().replace("pipeline_tiny", "pipeline_absent") + "grid:\n  seed: [0]\n"))))
                .hasMessageContaining("pipeline_absent is not a folder");
        assertThatThrownBy(() -> SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared() + "grid:\n  random-flip: [maybe]\n"))))
                .hasMessageContaining("setting 'random-flip' is true or false, found 'maybe'");
    }

    @Test
    void aRunsIdIsItsTrainingFingerprint() throws Exception {
        Path images = TestFixtures.path("artifacts/dreambooth/dataset/dog");
        String absolute = "settings:\n" + shared() + "grid:\n  seed: [0, 1]\n";
        List<SweepRun> a = SweepRun.allOf(SweepPlan.read(plan(absolute)));
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path relative = sub.resolve("plan.yaml");
        Files.writeString(relative, absolute.replace("images: " + images, "images: " + sub.relativize(images)));
        List<SweepRun> b = SweepRun.allOf(SweepPlan.read(relative));
        assertThat(b.get(0).settings().get("images")).doesNotStartWith("/");
        assertThat(b).extracting(SweepRun::id).containsExactlyElementsOf(a.stream().map(SweepRun::id).toList());
        assertThat(a.get(0).id()).hasSize(16).isNotEqualTo(a.get(1).id());
        List<SweepRun> checkpointed = SweepRun.allOf(SweepPlan.read(plan(absolute.replace("grid:", "  checkpoint-every: 1\ngrid:"))));
        assertThat(checkpointed.get(0).id()).as("checkpoint cadence does not shape the run").isEqualTo(a.get(0).id());
    }

    @Test
    void withoutTheSparkModuleTheSparkEngineSaysHowToGetIt() throws Exception {
        Path p = plan("settings:\n" + shared() + "grid:\n  seed: [0]\n");
        CheckpointCliTest.Run r = CheckpointCliTest.run("sweep", "--plan", p.toString(), "--out", dir.resolve("o").toString(), "--engine", "spark");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--engine spark", "sweep-spark", "not on the classpath");
        CheckpointCliTest.Run bad = CheckpointCliTest.run("sweep", "--plan", p.toString(), "--out", dir.resolve("o").toString(), "--engine", "ray");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--engine ray: unknown engine");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void thePoolNeverRunsMoreThanFit() {
        assertThat(LocalEngine.workers(0, 2, 1, 22.0, 3.0)).isEqualTo(2);             // cores
        assertThat(LocalEngine.workers(0, 16, 1, 10.0, 4.0)).isEqualTo(2);            // memory
        assertThat(LocalEngine.workers(8, 16, 1, 100.0, 4.0)).isEqualTo(8);           // asked
        assertThat(LocalEngine.workers(8, 2, 1, 5.0, 4.0)).isEqualTo(1);              // asked, but memory holds one
        assertThat(LocalEngine.workers(0, 2, 4, 1.0, 4.0)).isEqualTo(1);              // at least one: the run refuses itself if it cannot fit
    }

    @Test
    void aRunStoppedBySignalIsInterruptedNotFailed() throws Exception {
        SweepRun run = SweepRun.allOf(SweepPlan.read(plan("settings:\n" + shared() + "runs:\n  - {method: lora}\n"))).getFirst();
        ChildRun launcher = new ChildRun("java", "", 1, 2.0, "");
        Path folder = dir.resolve("run");
        Files.createDirectories(folder.resolve("checkpoints"));
        for (int code : new int[] {130, 143}) {                                           // the JVM's exit after SIGINT, SIGTERM: train wrote a checkpoint
            SweepEngine.Outcome stopped = new SweepEngine.Outcome(code, null, 1, 1.0);
            assertThat(stopped.state()).as("exit " + code).isEqualTo("interrupted");
            SweepResults.writeOutcome(folder, run, "local", launcher, stopped);
            assertThat(SweepResults.stateOf(folder)).as("exit " + code).isEqualTo(SweepResults.State.INTERRUPTED);
        }
        for (int code : new int[] {1, 2, 137}) {                                          // an error, bad input, SIGKILL (no checkpoint written at the end)
            SweepResults.writeOutcome(folder, run, "local", launcher, new SweepEngine.Outcome(code, "boom", 1, 1.0));
            assertThat(SweepResults.stateOf(folder)).as("exit " + code).isEqualTo(SweepResults.State.FAILED);
        }
    }

    @Test
    void aFailedRunIsReportedAndTheOthersFinish() throws Exception {
        Path p = plan("settings:\n" + shared() + "runs:\n  - {method: lora}\n  - {method: lora, resolution: 16384}\nmemory_gib: 2\n");
        Path out = dir.resolve("sweep");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        CheckpointCliTest.Run r = CheckpointCliTest.run("sweep", "--plan", p.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        List<SweepRun> runs = SweepRun.allOf(SweepPlan.read(p));
        Path good = out.resolve("runs").resolve(runs.get(0).id()), bad = out.resolve("runs").resolve(runs.get(1).id());
        assertThat(SweepResults.stateOf(good)).isEqualTo(SweepResults.State.FINISHED);
        assertThat(good.resolve("adapter/adapter_model.safetensors")).isRegularFile();
        assertThat(SweepResults.stateOf(bad)).isEqualTo(SweepResults.State.FAILED);
        assertThat(Files.readString(bad.resolve("sweep.json"))).contains("not enough memory");
        String csv = Files.readString(out.resolve("results.csv"));
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("run_id,model,images,prompt,steps,resolution,method,status,");
        assertThat(csv).contains(runs.get(0).id() + ",").contains(",finished,").contains(",failed,");
        assertThat(Files.readString(out.resolve("results.md"))).contains("1 failed").contains("not enough memory");
        assertThat(out.resolve("results.png")).isRegularFile();
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");

        CheckpointCliTest.Run status = CheckpointCliTest.run("sweep", "status", out.toString());
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("finished: 1", "failed: 1", "pending: 0", runs.get(1).id());

        String adapter = Files.readString(good.resolve("adapter/adapter_config.json"));
        Files.writeString(good.resolve("eval.csv"), "step,clip_i,clip_t,dino\n1,0.5,0.25,0.125\n2,0.75,0.3,0.2\n");   // as train --eval-every writes it
        CheckpointCliTest.Run again = CheckpointCliTest.run("sweep", "--plan", p.toString(), "--out", out.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.out()).contains("run " + runs.get(0).id() + " finished before: skipped").contains("1 to run");
        assertThat(Files.readString(good.resolve("adapter/adapter_config.json"))).isEqualTo(adapter);
        assertThat(Files.readString(out.resolve("results.csv"))).as("the last evaluation's scores").contains(",0.75,0.3,0.2,");
        assertThat(Files.readString(out.resolve("results.md"))).contains("clip_i");
    }
}
