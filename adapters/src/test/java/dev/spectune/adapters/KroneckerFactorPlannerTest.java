/* KroneckerFactorPlannerTest: balanced factor tables, the SODA authors' table, 320, and clear refusals. */
package dev.spectune.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.adapters.KroneckerFactorPlanner.Mode;
import org.junit.jupiter.api.Test;

class KroneckerFactorPlannerTest {
    @Test
    void authorsTableReproducedExactly() {
        assertThat(KroneckerFactorPlanner.plan(640, 3, Mode.AUTHORS)).containsExactly(8, 8, 10);
        assertThat(KroneckerFactorPlanner.plan(768, 3, Mode.AUTHORS)).containsExactly(6, 8, 16);
        assertThat(KroneckerFactorPlanner.plan(1280, 3, Mode.AUTHORS)).containsExactly(4, 16, 20);
        assertThat(KroneckerFactorPlanner.plan(2048, 3, Mode.AUTHORS)).containsExactly(4, 8, 64);
        assertThat(KroneckerFactorPlanner.plan(320, 3, Mode.AUTHORS)).containsExactly(5, 8, 8);   // not in their table
    }

    @Test
    void balancedMinimisesRotationParameters() {
        assertThat(KroneckerFactorPlanner.plan(320, 3, Mode.BALANCED)).containsExactly(5, 8, 8);
        assertThat(KroneckerFactorPlanner.plan(768, 3, Mode.BALANCED)).containsExactly(8, 8, 12);
        assertThat(KroneckerFactorPlanner.plan(1280, 3, Mode.BALANCED)).containsExactly(8, 10, 16);
        assertThat(KroneckerFactorPlanner.plan(24, 3, Mode.BALANCED)).containsExactly(2, 3, 4);
        assertThat(KroneckerFactorPlanner.plan(1024, 2, Mode.BALANCED)).containsExactly(32, 32);
        assertThat(KroneckerFactorPlanner.plan(7, 1, Mode.BALANCED)).containsExactly(7);
        int[] f = KroneckerFactorPlanner.plan(640, 3, Mode.BALANCED);
        assertThat(f[0] * f[1] * f[2]).isEqualTo(640);
        assertThat(KroneckerFactorPlanner.parameterCount(f)).isLessThanOrEqualTo(KroneckerFactorPlanner.parameterCount(new int[] {8, 8, 10}));
    }

    @Test
    void refusesWhatCannotBeFactored() {
        assertThatThrownBy(() -> KroneckerFactorPlanner.plan(14, 3, Mode.BALANCED))
                .hasMessageContaining("14 = [2, 7]").hasMessageContaining("3 Kronecker factors");
        assertThatThrownBy(() -> KroneckerFactorPlanner.plan(0, 3, Mode.BALANCED)).hasMessageContaining("positive");
    }
}
