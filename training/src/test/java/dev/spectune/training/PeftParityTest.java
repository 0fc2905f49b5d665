/* PeftParityTest: LoRA, rsLoRA, DoRA, conv LoRA, OFT, COFT, VeRA, LoHa, LoKr, HRA and IA3 match peft 0.13.2 and 0.17.0 (outputs, merged weights, gradients). */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.parity.PeftParity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeftParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"golden/peft", "golden/peft_v0.17"})
    void peftLayersMatch(String folder) {
        ParityReport r = PeftParity.run(TestFixtures.path(folder));
        System.out.print(r.render());
        // y, merged weights and every gradient of 11 files: 44 lines for the first 7, 11 for LoHa, 7 for LoKr, 5 for HRA, 6 for IA3
        assertThat(r.lines()).hasSize(73);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
