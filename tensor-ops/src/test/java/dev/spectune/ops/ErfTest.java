/* ErfTest: the reference erf against tabulated values (Abramowitz & Stegun, table 7.1). */
package dev.spectune.ops;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spectune.ops.reference.Erf;
import org.junit.jupiter.api.Test;

class ErfTest {
    @Test
    void matchesTable() {
        assertThat(Erf.erf(0)).isEqualTo(0);
        assertThat(Erf.erf(0.5)).isCloseTo(0.5204998778130465, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Erf.erf(1)).isCloseTo(0.8427007929497149, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Erf.erf(2)).isCloseTo(0.9953222650189527, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Erf.erf(-1.5)).isCloseTo(-0.9661051464753108, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Erf.erf(3.5)).isCloseTo(0.9999992569016276, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Erf.erf(7)).isEqualTo(1.0);
    }
}
