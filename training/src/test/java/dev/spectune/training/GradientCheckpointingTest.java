/*
 * GradientCheckpointingTest: `train --gradient-checkpointing` changes memory and time, not the
 * step — the trainer's own step on the tiny golden pipeline gives the same objective and the same
 * gradient for every adapter parameter with the UNet's blocks recomputed in backward (the same ops
 * on the same inputs: equal to IDENTITY_F64 in float32, i.e. to the bit), for a weight-form and an
 * input-form method and with the text encoder trained through the chain rule; the checkpointed
 * plan really recomputes (more ops per step).
 */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.linalg.Matrices;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class GradientCheckpointingTest {

    @ParameterizedTest(name = "{0}, text encoder trained: {1}")
    @CsvSource({"lora, false", "soda-svd, false", "lora, true"})
    void checkpointedStepsHaveTheSameGradients(String method, boolean trainText, @TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        String text = trainText ? AdapterInjector.TEXT_ATTENTION.pattern() : null;
        DreamBoothTrainer plain = new DreamBoothTrainer(TinyRuns.config(dir.resolve("plain"), AdapterSpec.defaults(method), 0, text, false));
        DreamBoothTrainer checkpointed = new DreamBoothTrainer(TinyRuns.config(dir.resolve("checkpointed"), AdapterSpec.defaults(method), 0, text, false)
                .withGradientCheckpointing(true));
        for (int step = 0; step < 2; step++) {
            DreamBoothTrainer.Accumulated a = plain.accumulate(step), b = checkpointed.accumulate(step);
            assertThat(b.loss()).as("objective, step " + step).isEqualTo(a.loss());
            assertThat(b.grads().keySet()).isEqualTo(a.grads().keySet());
            assertThat(a.grads().values().stream().mapToDouble(g -> g.norm2Number().doubleValue()).max().orElse(0)).as("some gradient").isGreaterThan(0);
            for (var e : a.grads().entrySet()) {
                INDArray expected = e.getValue(), actual = b.grads().get(e.getKey());
                assertThat(Matrices.relativeError(actual, expected)).as(e.getKey() + ", step " + step).isLessThanOrEqualTo(Tolerances.IDENTITY_F64);
            }
        }
        assertThat(checkpointed.trainingStep().plan().opsPerRun()).as("ops per step: the blocks' forward runs again in backward")
                .isGreaterThan(plain.trainingStep().plan().opsPerRun());
    }
}
