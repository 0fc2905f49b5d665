/*
 * TextEncoderGradientTest: with the text encoder trained too, the gradient that reaches its adapter
 * through the chain rule (UNet graph → dL/dh → text graph) matches central finite differences of
 * the step's loss, and the UNet's own adapter gradients are unchanged by the rewiring.
 */
package dev.spectune.training;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.linalg.Matrices;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class TextEncoderGradientTest {

    static TrainingConfig config(Path out, String textTargets) {
        return TinyRuns.config(out, AdapterSpec.defaults("lora"), 0, textTargets, false);
    }

    @Test
    void chainRuleGradientMatchesFiniteDifferences(@TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        DreamBoothTrainer frozen = new DreamBoothTrainer(config(dir.resolve("a"), null));
        DreamBoothTrainer trained = new DreamBoothTrainer(config(dir.resolve("b"), AdapterInjector.TEXT_ATTENTION.pattern()));
        DreamBoothTrainer.Accumulated a = frozen.accumulate(0), b = trained.accumulate(0);
        assertThat(b.loss()).isEqualTo(a.loss());                                        // LoRA starts at the identity: same model
        for (var e : a.grads().entrySet()) assertThat(Matrices.relativeError(b.grads().get(e.getKey()), e.getValue())).as(e.getKey()).isLessThan(Tolerances.RECOMPUTED_F32_REL);
        assertThat(trained.textAdapted()).hasSize(8);
        int checked = 0;
        for (AdaptedWeight layer : trained.textAdapted().subList(0, 4)) {
            AdapterParameter p = layer.parameters().get(1);                              // lora_B.weight [out, r] (A's gradient is 0 while B = 0)
            INDArray g = b.grads().get(p.name());
            int i = argmaxAbs(g);
            double h = 5e-2, saved = p.value().getDouble(i);
            p.value().putScalar(i, saved + h);
            double plus = trained.accumulate(0).loss();
            p.value().putScalar(i, saved - h);
            double minus = trained.accumulate(0).loss();
            p.value().putScalar(i, saved);
            double fd = (plus - minus) / (2 * h), bp = g.getDouble(i);
            System.out.printf("%s[%d]: backprop %.6e, finite difference %.6e%n", p.name(), i, bp, fd);
            assertThat(Math.abs(fd - bp)).as(p.name()).isLessThan(Tolerances.GRADIENT_FD_F32_REL * Math.abs(bp) + Tolerances.ROUNDED_F32_REL);
            checked++;
        }
        assertThat(checked).isEqualTo(4);
    }

    private static int argmaxAbs(INDArray g) {
        double[] v = g.dup().reshape(-1).toDoubleVector();
        int best = 0;
        for (int i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[best])) best = i;
        return best;
    }
}
