/* LdmParityTest: the single-file checkpoint, configs detected from shapes, runs UNet and VAE like diffusers. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.LdmParity;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class LdmParityTest {
    @Test
    void singleFileCheckpointMatchesDiffusers() {
        ParityReport r = LdmParity.run(TestFixtures.path("golden/ldm_single_file_tiny"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSize(4);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
