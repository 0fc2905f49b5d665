/* UNetParityTest: UNet2DConditionModel matches diffusers on the tiny and the SD-topology golden UNets, activations included. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.UNetParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UNetParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"golden/unet_tiny", "golden/unet_sd_topology"})
    void unetMatchesDiffusers(String folder) {
        ParityReport r = UNetParity.run(TestFixtures.path(folder));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThanOrEqualTo(16);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
