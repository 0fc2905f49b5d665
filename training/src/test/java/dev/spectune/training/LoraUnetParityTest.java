/* LoraUnetParityTest: diffusers' LoRA file, injected into the tiny UNet, reproduces diffusers' output. */
package dev.spectune.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.parity.LoraUnetParity;
import org.junit.jupiter.api.Test;

class LoraUnetParityTest {
    @Test
    void diffusersLoraIntoTinyUnet() {
        ParityReport r = LoraUnetParity.run(TestFixtures.path("golden/lora_unet_tiny"));
        r.lines().stream().filter(l -> !l.name().startsWith("lora_")).forEach(System.out::println);
        System.out.println(r.summary());
        assertThat(r.lines()).hasSize(66);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
