/* MinSnrWeightTest: min-SNR-γ weights against the formula of Hang et al. 2023 as diffusers' train scripts apply it. */
package dev.spectune.training;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MinSnrWeightTest {

    @Test
    void epsilonPredictionClampsHighSnrTimesteps() {
        assertThat(DreamBoothTrainer.minSnrWeight(0.5, 5, false)).as("SNR 1 < γ: weight 1").isCloseTo(1.0, within(Tolerances.CLOSED_FORM_F64));
        assertThat(DreamBoothTrainer.minSnrWeight(0.9, 5, false)).as("SNR 9 > γ: γ/SNR").isCloseTo(5.0 / 9, within(Tolerances.CLOSED_FORM_F64));
        assertThat(DreamBoothTrainer.minSnrWeight(0.0047, 5, false)).as("the noisiest timesteps keep weight 1").isCloseTo(1.0, within(Tolerances.CLOSED_FORM_F64));
    }

    @Test
    void velocityPredictionDividesBySnrPlusOne() {
        assertThat(DreamBoothTrainer.minSnrWeight(0.9, 5, true)).isCloseTo(5.0 / 10, within(Tolerances.CLOSED_FORM_F64));
        assertThat(DreamBoothTrainer.minSnrWeight(0.5, 5, true)).isCloseTo(1.0 / 2, within(Tolerances.CLOSED_FORM_F64));
    }
}
