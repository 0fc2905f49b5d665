/*
 * PretrainingTest: world pretraining on the miniature architecture — a run stopped in either
 * stage and resumed (with the diffusion step count raised, as a later sitting does) ends with the
 * weights an uninterrupted run ends with, bit for bit; the written model folder opens as a
 * pipeline and samples; other settings, or a finished folder without --resume, are refused.
 */
package dev.spectune.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.training.io.TrainingCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainingTest {

    /** The miniature: 4 autoencoder steps, then {@code diffusionSteps}, batches of 2, a checkpoint every 2 steps. */
    private static Pretraining.Settings settings(int diffusionSteps) {
        return Pretraining.Settings.defaults(WorldModelSpec.TEST).withSeed(7).withWarmup(2).withAutoencoder(new Pretraining.Settings.Autoencoder(4, 2, 1e-3, 1e-5))
                .withDiffusion(Pretraining.Settings.Diffusion.DEFAULT.withSteps(diffusionSteps).withBatch(2).withEmaDecay(0.9))
                .withOutput(new Pretraining.Settings.Output(2, 3, DType.F32));
    }

    private static Pretraining.Outcome run(Pretraining.Settings s, Path out, boolean resume) throws Exception {
        return new Pretraining(s, out, new PrintStream(new ByteArrayOutputStream())).run(resume);
    }

    /** The same run predicting ε with min-SNR-γ 5 (the first world runs' settings). */
    private static Pretraining.Settings epsilon(Pretraining.Settings s) {
        return s.withDiffusion(s.diffusion().withPrediction(Pretraining.Settings.EPSILON, 5.0));
    }

    @Test
    void aRunTakesAnotherRunsAutoencoderAsIfItHadTrainedItItself(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Pretraining.Outcome whole = run(settings(2), first, false);
        Path early = dir.resolve("early");
        copyTree(first.resolve("checkpoints/checkpoint-000002"), early);

        Path taken = dir.resolve("taken");
        Pretraining.Outcome shortcut = new Pretraining(settings(2), taken, new PrintStream(new ByteArrayOutputStream())).run(false, first);
        assertThat(shortcut.weightsHash()).as("the same weights as training the autoencoder again").isEqualTo(whole.weightsHash());
        assertThat(Files.readString(taken.resolve("log.csv")).lines()).as("the autoencoder's log rows come along").hasSize(1 + 6);

        // An ε-prediction run shares the autoencoder; the fingerprint names the prediction only when it is not ε (as v1 runs wrote it).
        Pretraining.Settings eps = epsilon(settings(2));
        assertThat(settings(2).fingerprint()).contains("prediction=v_prediction").contains("snr_gamma=0.0").startsWith(eps.autoencoderFingerprint());
        assertThat(eps.fingerprint()).doesNotContain("prediction").contains("snr_gamma=5.0");
        Pretraining.Outcome epsRun = new Pretraining(eps, dir.resolve("eps"), new PrintStream(new ByteArrayOutputStream())).run(false, first);
        assertThat(epsRun.weightsHash()).isNotEqualTo(whole.weightsHash());
        assertThat(Files.readString(whole.model().resolve("scheduler/scheduler_config.json"))).contains("v_prediction");
        assertThat(Files.readString(epsRun.model().resolve("scheduler/scheduler_config.json"))).contains("\"epsilon\"");

        // Refusals: a checkpoint inside the autoencoder stage; an autoencoder trained otherwise.
        assertThatThrownBy(() -> new Pretraining(settings(2), dir.resolve("r1"), new PrintStream(new ByteArrayOutputStream())).run(false, early))
                .hasMessageContaining("--autoencoder-from").hasMessageContaining("inside its autoencoder stage");
        assertThatThrownBy(() -> new Pretraining(settings(2).withSeed(8), dir.resolve("r2"), new PrintStream(new ByteArrayOutputStream())).run(false, first))
                .hasMessageContaining("other settings").hasMessageContaining("seed=8");
        assertThatThrownBy(() -> new Pretraining(settings(2).withWarmup(3), dir.resolve("r3"), new PrintStream(new ByteArrayOutputStream())).run(false, first))
                .as("the warm-up schedules the autoencoder too").hasMessageContaining("other settings").hasMessageContaining("warmup=3");
        assertThatThrownBy(() -> settings(2).diffusion().withPrediction("sample", 0))
                .hasMessageContaining("--prediction").hasMessageContaining("'sample'");
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Pretraining.Outcome whole = run(settings(4), dir.resolve("whole"), false);
        assertThat(whole.completedSteps()).isEqualTo(8);

        // A first sitting of 5 steps (the autoencoder's 4, one diffusion step), then a second to 8.
        Path sittings = dir.resolve("sittings");
        assertThat(run(settings(1), sittings, false).completedSteps()).isEqualTo(5);
        assertThat(TrainingCheckpoint.newestFirst(sittings.resolve("checkpoints"))).extracting(p -> p.getFileName().toString())
                .contains("checkpoint-000002", "checkpoint-000005");
        Path fromAutoencoderStage = dir.resolve("from-step-2");
        copyTree(sittings.resolve("checkpoints/checkpoint-000002"), fromAutoencoderStage.resolve("checkpoints/checkpoint-000002"));
        Pretraining.Outcome resumed = run(settings(4), sittings, true);
        assertThat(resumed.completedSteps()).isEqualTo(8);
        assertThat(resumed.weightsHash()).isEqualTo(whole.weightsHash());
        assertThat(run(settings(4), fromAutoencoderStage, true).weightsHash()).isEqualTo(whole.weightsHash());

        // The model folder is a pipeline: it opens and samples a world prompt.
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(whole.model(), null)) {
            int side = WorldModelSpec.TEST.side();
            var result = pipe.generate(GenerationRequest.of("a red circle on a blue background").withSteps(2).withSeed(1).withSize(side, side), (i, n, t) -> { });
            assertThat(result.images().shape()).containsExactly(1, 3, side, side);
        }
        assertThat(Files.readString(dir.resolve("whole/log.csv")).lines()).hasSize(1 + 8);

        // Refusals: other settings; a folder with a checkpoint without --resume.
        assertThatThrownBy(() -> run(settings(4).withSeed(8), sittings, true)).hasMessageContaining("other settings").hasMessageContaining("seed=8");
        assertThatThrownBy(() -> run(settings(4), sittings, false)).hasMessageContaining("--resume");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
