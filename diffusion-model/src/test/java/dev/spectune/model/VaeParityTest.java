/* VaeParityTest: AutoencoderKL matches diffusers on the golden tiny VAE (real photo), encode and decode. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.VaeParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class VaeParityTest {
    @Test
    void tinyVaeMatchesDiffusers() {
        ParityReport r = VaeParity.run(TestFixtures.path("golden/vae_tiny"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThanOrEqualTo(16);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
