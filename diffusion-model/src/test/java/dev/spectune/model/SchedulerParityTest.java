/* SchedulerParityTest: DDPM, DDIM, PNDM, Euler and DPM++ 2M match diffusers' tables, steps and 10-step loops to 1e-6. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.SchedulerParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class SchedulerParityTest {
    @Test
    void schedulersMatchDiffusers() {
        ParityReport r = SchedulerParity.run(TestFixtures.path("golden/schedulers"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThan(100);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
