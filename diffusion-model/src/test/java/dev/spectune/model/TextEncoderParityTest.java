/* TextEncoderParityTest: CLIPTextModel matches transformers on the golden tiny text encoder. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.TextEncoderParity;
import dev.spectune.testing.TestFixtures;
import org.junit.jupiter.api.Test;

class TextEncoderParityTest {
    @Test
    void tinyTextEncoderMatchesTransformers() {
        ParityReport r = TextEncoderParity.run(TestFixtures.path("golden/text_encoder_tiny"));
        System.out.print(r.render());
        assertThat(r.lines()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(r.allPass()).as(r.render()).isTrue();
    }
}
