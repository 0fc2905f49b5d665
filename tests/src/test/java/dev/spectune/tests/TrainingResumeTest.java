/*
 * TrainingResumeTest: checkpoints make a run resumable bit-identically, survive a crash while a
 * checkpoint is being written, and only the newest K are kept; gradient accumulation equals a
 * larger batch. The tiny golden pipeline and the
 * DreamBooth dog photos; SODA-SVD, so both optimizers (AdamW for δ, Stiefel Adam for the
 * rotation factors) carry state across the interruption.
 */
package dev.spectune.tests;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import dev.spectune.training.io.TrainingCheckpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingResumeTest {

    static final int STEPS = 6;
    static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static TrainingConfig config(Path out, int checkpointEvery, int keep, boolean resume) {
        return tiny(AdapterSpec.defaults("soda-svd"), out, 1e-2, 1, 1, null)
                .withOutputs(new TrainingConfig.Outputs(out, 0, List.of("a photo of sks dog"), checkpointEvery, keep, resume));
    }

    /** A crash: the run dies after this many completed steps. */
    private static TrainingRun.StepHook crashAfter(int steps) {
        return l -> { if (l.step() + 1 == steps) throw new IllegalStateException("simulated crash after step " + (l.step() + 1)); };
    }

    private static byte[] adapterBytes(Path run) throws IOException {
        return Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors"));
    }

    @Test
    void resumeAfterACrashGivesTheSameAdapterBytes(@TempDir Path dir) throws IOException {
        TrainingRun.run(config(dir.resolve("straight"), 0, 0, false), QUIET);

        Path interrupted = dir.resolve("interrupted");
        assertThatThrownBy(() -> TrainingRun.run(config(interrupted, 2, 0, false), QUIET, crashAfter(5))).hasMessageContaining("simulated crash");
        assertThat(TrainingCheckpoint.latest(interrupted.resolve("checkpoints"))).get().extracting(p -> p.getFileName().toString()).isEqualTo("checkpoint-000004");
        assertThat(interrupted.resolve("adapter")).doesNotExist();

        TrainingRun.Result resumed = TrainingRun.run(config(interrupted, 2, 0, true), QUIET);
        assertThat(adapterBytes(interrupted)).as("resumed adapter = uninterrupted adapter, byte for byte").isEqualTo(adapterBytes(dir.resolve("straight")));
        assertThat(resumed.log()).hasSize(STEPS);
        assertThat(Files.readAllLines(interrupted.resolve("log.csv"))).hasSize(STEPS + 1);
        assertThat(Files.readString(interrupted.resolve("log.csv")).lines().map(l -> l.split(",")[1]).toList())
                .isEqualTo(Files.readString(dir.resolve("straight/log.csv")).lines().map(l -> l.split(",")[1]).toList());
    }

    @Test
    void aCrashWhileWritingACheckpointLeavesThePreviousOneLoadable(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        assertThatThrownBy(() -> TrainingRun.run(config(run, 3, 0, false), QUIET, crashAfter(4))).hasMessageContaining("simulated crash");
        Path checkpoints = run.resolve("checkpoints");
        Path good = TrainingCheckpoint.latest(checkpoints).orElseThrow();
        TrainingCheckpoint.State state = TrainingCheckpoint.read(good);
        assertThat(state.completedSteps()).isEqualTo(3);

        // the process dies half-way through the next checkpoint: the state file is written, the adapter is not
        TrainingCheckpoint.State next = new TrainingCheckpoint.State(6, state.tensors(), state.scalars(), state.log(), state.fingerprint());
        assertThatThrownBy(() -> TrainingCheckpoint.write(checkpoints, next, adapterDir -> {
            Files.createDirectories(adapterDir);
            Files.write(adapterDir.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3});
            throw new IOException("killed");
        }, 0)).hasMessage("killed");
        // and a kill during the state file leaves a truncated file in another temporary folder
        Path torn = Files.createDirectory(checkpoints.resolve(TrainingCheckpoint.TEMP_PREFIX + "torn"));
        Files.write(torn.resolve(TrainingCheckpoint.STATE), new byte[] {8, 0, 0});

        assertThat(TrainingCheckpoint.latest(checkpoints)).contains(good);
        assertThat(TrainingCheckpoint.read(good).tensors().keySet()).isEqualTo(state.tensors().keySet());

        TrainingRun.run(config(run, 3, 0, true), QUIET);
        TrainingRun.run(config(dir.resolve("straight"), 0, 0, false), QUIET);
        assertThat(adapterBytes(run)).isEqualTo(adapterBytes(dir.resolve("straight")));
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).as("temporaries cleaned by the next write, or only complete checkpoints")
                    .allMatch(n -> n.startsWith(TrainingCheckpoint.PREFIX) || n.startsWith(TrainingCheckpoint.TEMP_PREFIX));
        }
    }

    @Test
    void onlyTheNewestCheckpointsAreKeptAndOtherSettingsAreRefused(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        assertThatThrownBy(() -> TrainingRun.run(config(run, 1, 2, false), QUIET, crashAfter(5))).hasMessageContaining("simulated crash");
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("checkpoint-000004", "checkpoint-000005");
        }
        assertThat(Files.isDirectory(run.resolve("checkpoints/checkpoint-000005/adapter"))).isTrue();
        TrainingConfig other = tiny(AdapterSpec.defaults("soda-svd"), run, 5e-3, 1, 1, null)                    // another learning rate
                .withOutputs(new TrainingConfig.Outputs(run, 0, List.of("a photo of sks dog"), 1, 2, true));
        assertThatThrownBy(() -> TrainingRun.run(other, QUIET)).hasMessageContaining("holds another run").hasMessageContaining("learning_rate: 0.01 → 0.005");
    }

    @Test
    void accumulatingTwoMicroBatchesEqualsOneBatchOfTwo(@TempDir Path dir) throws IOException {
        TrainingRun.Result whole = TrainingRun.run(withBatch(dir.resolve("batch2"), 2, 1), QUIET);
        TrainingRun.Result accumulated = TrainingRun.run(withBatch(dir.resolve("accumulate2"), 1, 2), QUIET);
        double a = whole.log().getFirst().loss(), b = accumulated.log().getFirst().loss();
        System.out.printf("batch 2: loss %.8f; 2 x batch 1 accumulated: loss %.8f%n", a, b);
        assertThat(b).isCloseTo(a, org.assertj.core.api.Assertions.within(Tolerances.RECOMPUTED_F32_REL * a));
        assertThat(accumulated.log().getFirst().gradNorm()).isCloseTo(whole.log().getFirst().gradNorm(),
                org.assertj.core.api.Assertions.within(Tolerances.MODEL_OUTPUT_F32_REL * whole.log().getFirst().gradNorm()));
        var p = dev.spectune.adapters.io.AdapterDirectory.read(dir.resolve("batch2/adapter")).tensors();
        var q = dev.spectune.adapters.io.AdapterDirectory.read(dir.resolve("accumulate2/adapter")).tensors();
        for (String k : p.keySet()) assertThat(q.get(k).sub(p.get(k)).amaxNumber().doubleValue()).as(k).isLessThan(Tolerances.MODEL_OUTPUT_F32_REL);
    }

    private static TrainingConfig withBatch(Path out, int batch, int accumulation) {
        TrainingConfig c = tiny(AdapterSpec.defaults("soda-svd"), out, 1e-2, batch, accumulation, null);
        return c.withOptimization(new TrainingConfig.Optimization(1, 1e-2, 2e-2, "constant", 0, batch, accumulation, 1.0, 3, false));
    }

    @Test
    void priorPreservationGeneratesClassImagesOnceAndAddsTheWeightedClassLoss(@TempDir Path dir) throws IOException {
        Path classes = dir.resolve("class-images");
        double[] firstLoss = new double[3];
        for (int i = 0; i < 3; i++) {
            TrainingConfig c = TrainingConfig.of(TestFixtures.path("golden/pipeline_tiny"), TestFixtures.path("artifacts/dreambooth/dataset/dog"),
                    "a photo of sks dog", AdapterSpec.defaults("lora"), dir.resolve("run" + i)).withResolution(32).withSteps(1, 1e-2, 2e-2, 3)
                    .withLoss(new TrainingConfig.Loss(0, 0, 0, new TrainingConfig.PriorPreservation(classes, "a photo of a dog", 2, i + 1.0)));
            firstLoss[i] = TrainingRun.run(c, QUIET).log().getFirst().loss();
            if (i == 0) {
                try (Stream<Path> s = Files.list(classes)) {
                    assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("class_0000.png", "class_0001.png");
                }
            }
        }
        System.out.printf("first-step loss with prior weight 1, 2, 3: %.8f %.8f %.8f%n", firstLoss[0], firstLoss[1], firstLoss[2]);
        double classLoss = firstLoss[1] - firstLoss[0];
        assertThat(classLoss).as("the class term adds a positive MSE").isPositive();
        assertThat(firstLoss[2] - firstLoss[1]).as("loss = instance + λ·class, linear in λ").isCloseTo(classLoss, org.assertj.core.api.Assertions.within(Tolerances.RECOMPUTED_F32_REL * firstLoss[2]));
        assertThat(Files.readString(dir.resolve("run2/run.json"))).contains("\"class_prompt\" : \"a photo of a dog\"");
    }

    /**
     * The tiny resumable run: cosine schedule with 2 warm-up steps, random flips, min-SNR 5 and offset
     * noise 0.05 (every random draw a resume must reproduce), 32 px, seed 3.
     */
    static TrainingConfig tiny(AdapterSpec spec, Path out, double lr, int batch, int accumulation, TrainingConfig.PriorPreservation prior) {
        TrainingConfig c = TrainingConfig.of(TestFixtures.path("golden/pipeline_tiny"), TestFixtures.path("artifacts/dreambooth/dataset/dog"),
                "a photo of sks dog", spec, out);
        return c.withSubject(new TrainingConfig.Subject(c.model(), c.images(), c.prompt(), 32, true, false))
                .withOptimization(new TrainingConfig.Optimization(STEPS, lr, 2e-2, "cosine", 2, batch, accumulation, 1.0, 3, false))
                .withLoss(new TrainingConfig.Loss(5.0, 0.05, 0, prior));
    }
}
