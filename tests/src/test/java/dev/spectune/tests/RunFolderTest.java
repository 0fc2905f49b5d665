/*
 * RunFolderTest: a `train` output folder belongs to one run. Another run's folder is refused
 * (exit 2, naming the settings that differ) and left as it was, unless --overwrite; pruning and
 * --resume see only this run's checkpoints; a newest checkpoint that does not read back gives way
 * to the one before; two trainings into one folder at once: one runs, the other is refused naming
 * the holder (an OS lock, checked across processes); a run that fails before writing anything
 * leaves no folder behind; temporaries a killed run left are cleaned. Tiny golden pipeline, 32 px.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.adapters.AdapterSpec;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.RunFolder;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import dev.spectune.training.io.TrainingCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static List<String> train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--model", TestFixtures.path("golden/pipeline_tiny").toString(),
                "--images", TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(), "--prompt", "a photo of sks dog",
                "--method", "lora", "--resolution", "32", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    private static CheckpointCliTest.Run cli(List<String> args) {
        return CheckpointCliTest.run(args.toArray(String[]::new));
    }

    private static List<String> checkpoints(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anotherRunsFolderIsRefusedAndKeptUnlessOverwriteAndItsCheckpointsAreNotOurs() throws IOException {
        Path run = dir.resolve("run");
        assertThat(cli(train(run, "--steps", "4", "--checkpoint-every", "1", "--keep-checkpoints", "0")).code()).isZero();
        byte[] adapter = Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors"));
        String runJson = Files.readString(run.resolve("run.json"));
        assertThat(checkpoints(run)).containsExactly("checkpoint-000001", "checkpoint-000002", "checkpoint-000003");

        CheckpointCliTest.Run refused = cli(train(run, "--steps", "2", "--lr", "5e-3", "--checkpoint-every", "1", "--keep-checkpoints", "1"));
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains(run + " holds another run").contains("learning_rate: 0.001 → 0.005").contains("steps: 4 → 2")
                .contains("--overwrite").doesNotContain("Exception");
        assertThat(Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors"))).as("the other run's adapter is kept").isEqualTo(adapter);
        assertThat(Files.readString(run.resolve("run.json"))).isEqualTo(runJson);
        assertThat(checkpoints(run)).containsExactly("checkpoint-000001", "checkpoint-000002", "checkpoint-000003");

        // with --overwrite: this run's checkpoint survives pruning (the other run's newer ones do not count), and they stay
        CheckpointCliTest.Run taken = cli(train(run, "--steps", "2", "--lr", "5e-3", "--checkpoint-every", "1", "--keep-checkpoints", "1", "--overwrite"));
        assertThat(taken.code()).as(taken.err()).isZero();
        assertThat(checkpoints(run)).containsExactly("checkpoint-000001", "checkpoint-000002", "checkpoint-000003");
        String ours = TrainingCheckpoint.fingerprintOf(run.resolve("checkpoints/checkpoint-000001")).orElseThrow();
        assertThat(TrainingCheckpoint.fingerprintOf(run.resolve("checkpoints/checkpoint-000003"))).isPresent().get().isNotEqualTo(ours);

        // --resume takes this run's checkpoint, passing over the other run's newer ones
        CheckpointCliTest.Run resumed = cli(train(run, "--steps", "2", "--lr", "5e-3", "--checkpoint-every", "1", "--keep-checkpoints", "1", "--resume"));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("skipping " + run.resolve("checkpoints/checkpoint-000003")).contains("resumed from " + run.resolve("checkpoints/checkpoint-000001"));
    }

    @Test
    void aNewestCheckpointThatDoesNotReadBackGivesWayToTheOneBefore() throws IOException {
        Path straight = dir.resolve("straight"), run = dir.resolve("run");
        TrainingRun.run(config(straight, false), quiet());
        assertThatThrownBy(() -> TrainingRun.run(config(run, false), quiet(), l -> {
            if (l.step() + 1 == 4) throw new IllegalStateException("simulated crash after step 4");
        })).hasMessageContaining("simulated crash");
        Path newest = run.resolve("checkpoints/checkpoint-000004/" + TrainingCheckpoint.STATE);
        byte[] whole = Files.readAllBytes(newest);
        try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.WRITE)) {
            ch.truncate(whole.length / 2);                                                        // a disk that filled while it was written
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingRun.run(config(run, true), new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("warning: " + run.resolve("checkpoints/checkpoint-000004") + " does not read back")
                .contains("resumed from " + run.resolve("checkpoints/checkpoint-000003") + " after 3 steps");
        assertThat(Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("adapter/adapter_model.safetensors")));
    }

    private static TrainingConfig config(Path out, boolean resume) {
        return TrainingResumeTest.tiny(AdapterSpec.defaults("lora"), out, 1e-2, 1, 1, null)
                .withOutputs(new TrainingConfig.Outputs(out, 0, List.of("a photo of sks dog"), 1, 0, resume));
    }

    private static PrintStream quiet() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    /** The lock is the OS's: a second JVM started into a folder this one holds exits 2 naming this process. */
    @Test
    void twoTrainingsIntoOneFolderAtOnceOneIsRefusedNamingTheHolder() throws Exception {
        Path run = dir.resolve("run");
        TrainingConfig c = config(run, false);
        try (RunFolder held = RunFolder.claim(c, "hash")) {
            CheckpointCliTest.Run here = cli(train(run, "--steps", "1"));
            assertThat(here.code()).isEqualTo(2);
            assertThat(here.err()).contains(run + " is in use by another `spectune train` (pid " + ProcessHandle.current().pid());

            Process other = spectune(train(run, "--steps", "1"));
            String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(other.exitValue()).as(output).isEqualTo(2);
            assertThat(output).contains("is in use by another `spectune train` (pid " + ProcessHandle.current().pid());
        }
        assertThat(run.resolve("adapter")).as("the refused runs wrote nothing").doesNotExist();
        CheckpointCliTest.Run after = cli(train(run, "--steps", "1", "--overwrite"));                  // the holder is gone: the folder is free
        assertThat(after.code()).as(after.err()).isZero();
    }

    /** `spectune ARGS` in a JVM of its own (its output and errors merged). */
    private static Process spectune(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-cp", System.getProperty("java.class.path")));
        String extension = System.getProperty("org.bytedeco.javacpp.platform.extension");
        if (extension != null) command.add("-Dorg.bytedeco.javacpp.platform.extension=" + extension);
        command.add("dev.spectune.cli.Main");
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Ctrl-C (SIGINT) during the steps: the step under way finishes and a checkpoint of it is written before the JVM exits. */
    @Test
    void ctrlCDuringTrainingWritesACheckpoint() throws Exception {
        Path run = dir.resolve("run");
        Process p = spectune(train(run, "--steps", "100000"));
        var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder output = new StringBuilder();
        String line;
        while ((line = lines.readLine()) != null) {                                           // the first step line: the loop is running
            output.append(line).append('\n');
            if (line.startsWith("step")) break;
        }
        assertThat(line).as(output.toString()).isNotNull();
        assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        output.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output.toString()).isNotZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("interrupted after step (\\d+): checkpoint (\\S+);").matcher(output);
        assertThat(m.find()).as(output.toString()).isTrue();
        int steps = Integer.parseInt(m.group(1));
        TrainingCheckpoint.State state = TrainingCheckpoint.read(Path.of(m.group(2)));
        assertThat(state.completedSteps()).isEqualTo(steps).isPositive();
        assertThat(Path.of(m.group(2)).getParent()).isEqualTo(run.resolve("checkpoints"));
    }

    @Test
    void aRunThatFailsBeforeWritingLeavesNoFolderAndStaleTemporariesAreCleaned() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("no-images")), out = dir.resolve("never");
        List<String> args = train(out, "--steps", "1");
        args.set(args.indexOf("--images") + 1, empty.toString());
        CheckpointCliTest.Run failed = cli(args);
        assertThat(failed.code()).isEqualTo(2);
        assertThat(out).as("a folder this run made and wrote nothing into").doesNotExist();

        Path run = Files.createDirectories(dir.resolve("run/adapter"));
        Path torn = Files.createFile(run.resolve(".adapter_model.safetensors.8215561871.tmp"));                // a kill during the final save
        Path mine = Files.writeString(run.resolve("notes.txt"), "the user's");
        try (RunFolder claimed = RunFolder.claim(config(dir.resolve("run"), false), "hash")) {
            assertThat(torn).doesNotExist();
            assertThat(mine).hasContent("the user's");
        }
    }
}
