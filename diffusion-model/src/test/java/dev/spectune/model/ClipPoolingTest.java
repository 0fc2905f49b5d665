/* ClipPoolingTest: both pooling rules of transformers' CLIPTextTransformer — legacy argmax (eos_token_id 2, SD-1.5) and first EOS. */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.checkpoint.config.TextEncoderConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class ClipPoolingTest {
    private static TextEncoderConfig config(int eos) {
        return new TextEncoderConfig(49408, 32, 37, 2, 4, 77, "quick_gelu", 1e-5, 49406, eos, 1, 32);
    }

    @Test
    void legacyArgmaxAndFirstEos() {
        // Row 0: BOS a b EOS pad(EOS) — row 1: a token id larger than EOS's position marker in the legacy sense.
        var ids = Nd4j.createFromArray(new long[][] {{49406, 320, 1125, 49407, 49407}, {49406, 320, 49407, 0, 0}});
        assertThat(ClipTextModel.poolIndex(config(2), ids).toLongVector()).containsExactly(3, 2);
        assertThat(ClipTextModel.poolIndex(config(49407), ids).toLongVector()).containsExactly(3, 2);
        // A custom EOS id that is not the largest id: only the first-EOS rule finds it.
        var custom = Nd4j.createFromArray(new long[][] {{998, 5, 999, 999}, {998, 999, 7, 7}});
        assertThat(ClipTextModel.poolIndex(config(999), custom).toLongVector()).containsExactly(2, 1);
        assertThat(ClipTextModel.poolIndex(config(2), custom).toLongVector()).containsExactly(2, 1);
        var legacyDiffers = Nd4j.createFromArray(new long[][] {{998, 1000, 999}});
        assertThat(ClipTextModel.poolIndex(config(2), legacyDiffers).toLongVector()).containsExactly(1);
        assertThat(ClipTextModel.poolIndex(config(999), legacyDiffers).toLongVector()).containsExactly(2);
    }
}
