/*
 * DcoLossTest: the DCO objective −log σ(−β·(L − L_ref)) on the tiny golden pipeline. At the
 * adapter's (identity) initialisation the model is its own reference, so the objective is ln 2
 * exactly and its gradient is β·σ(0)·∇L = (β/2)·∇L — the MSE gradient scaled by β/2.
 */
package dev.spectune.training;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.adapters.AdapterSpec;
import dev.spectune.linalg.Matrices;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class DcoLossTest {

    static TrainingConfig config(Path out, AdapterSpec spec, double beta) {
        return TinyRuns.config(out, spec, beta, null, false);
    }

    @Test
    void atInitTheObjectiveIsLn2AndItsGradientIsHalfBetaTimesTheMse(@TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        AdapterSpec spec = AdapterSpec.defaults("lora");
        DreamBoothTrainer mse = new DreamBoothTrainer(config(dir.resolve("mse"), spec, 0));
        DreamBoothTrainer dco = new DreamBoothTrainer(config(dir.resolve("dco"), spec, 1000));
        DreamBoothTrainer.Accumulated plain = mse.accumulate(0), direct = dco.accumulate(0);
        assertThat(direct.loss()).isCloseTo(Math.log(2), Offset.offset(Tolerances.ROUNDED_F32_REL));
        assertThat(plain.loss()).isGreaterThan(0.01);
        double worst = 0;
        for (var e : plain.grads().entrySet()) {
            INDArray expected = e.getValue().mul(500.0), actual = direct.grads().get(e.getKey());
            if (expected.amaxNumber().doubleValue() == 0) continue;                     // LoRA's A has no gradient while B = 0
            worst = Math.max(worst, Matrices.relativeError(actual, expected));
        }
        System.out.printf("DCO at init: objective %.7f (ln 2 = %.7f), gradient vs (β/2)·∇MSE worst rel %.2e%n", direct.loss(), Math.log(2), worst);
        assertThat(worst).isLessThan(Tolerances.MODEL_OUTPUT_F32_REL);
        dco.step(0);
        assertThat(dco.accumulate(1).loss()).as("after a step the model differs from its reference").isNotCloseTo(Math.log(2), Offset.offset(1e-7));
    }

    @Test
    void dcoRefusesANonIdentityInitialisation(@TempDir Path dir) {
        AdapterSpec soda = new AdapterSpec("soda-svd", new dev.spectune.adapters.SodaSvd.Config(1e-3, true, null, null, 3), 0);
        assertThatThrownBy(() -> config(dir, soda, 1000)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("δ0 = 0");
    }
}
