/*
 * LatentSamplingTest: --latent-sample draws each step's latents from the VAE posterior with the
 * step's own generator — a different batch than the posterior mean, and the same one again for the
 * same (seed, step), which is what a bit-identical resume needs.
 */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdapterSpec;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatentSamplingTest {

    static TrainingConfig config(Path out, boolean sample) {
        return TinyRuns.config(out, AdapterSpec.defaults("lora"), 0, null, sample);
    }

    @Test
    void sampledLatentsDifferFromTheMeanAndRepeatPerStep(@TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        DreamBoothTrainer mean = new DreamBoothTrainer(config(dir.resolve("a"), false));
        DreamBoothTrainer sampled = new DreamBoothTrainer(config(dir.resolve("b"), true));
        double atMean = mean.accumulate(0).loss(), first = sampled.accumulate(0).loss(), again = sampled.accumulate(0).loss();
        System.out.printf("step-0 loss: posterior mean %.6f, sampled %.6f%n", atMean, first);
        assertThat(first).isEqualTo(again);
        assertThat(first).isNotEqualTo(atMean);
        assertThat(sampled.accumulate(1).loss()).isNotEqualTo(first);
    }
}
