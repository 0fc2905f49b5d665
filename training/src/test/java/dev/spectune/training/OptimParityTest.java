/* OptimParityTest: Stiefel SGD/Adam and SODA's training recipe reproduce the reference iterates and states (1e-5 f32, 1e-9 f64). */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.parity.OptimParity;
import org.junit.jupiter.api.Test;

class OptimParityTest {
    @Test
    void stiefelOptimizersAndSodaTrainingMatchReference() {
        ParityReport r = OptimParity.run(TestFixtures.path("golden/soda"));
        r.lines().stream().filter(l -> !l.ok()).limit(40).forEach(System.out::println);
        System.out.println(r.summary());
        assertThat(r.lines()).hasSizeGreaterThan(700);
        assertThat(r.allPass()).as(r.summary()).isTrue();
    }
}
