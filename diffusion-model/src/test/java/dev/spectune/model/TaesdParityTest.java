/* TaesdParityTest: the real TAEF2 weights reproduce the reference encode/decode and its PSNR within 0.1 dB. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.TaesdParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class TaesdParityTest {
    @Test
    void realTaef2MatchesReference() {
        ParityReport r = TaesdParity.run(TestFixtures.path("golden/taef2_real"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
