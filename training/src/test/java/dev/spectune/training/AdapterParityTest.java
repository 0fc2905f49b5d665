/* AdapterParityTest: SODA-SVD, SODA-QR and the Spectral Adapter layers match their authors' code. */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.parity.AdapterParity;
import org.junit.jupiter.api.Test;

class AdapterParityTest {
    @Test
    void sodaLayersMatchAuthors() {
        ParityReport r = AdapterParity.soda(TestFixtures.path("golden/soda"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThanOrEqualTo(48);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }

    @Test
    void spectralLayersMatchAuthors() {
        ParityReport r = AdapterParity.spectral(TestFixtures.path("golden/spectral"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSize(8);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
