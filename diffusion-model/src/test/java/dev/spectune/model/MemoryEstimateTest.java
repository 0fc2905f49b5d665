/*
 * MemoryEstimateTest: the sizes a memory estimate is made of, counted from diffusers' block layout
 * by hand for the SD-1.5 config and the tiny golden pipeline; how the terms scale; and a refusal
 * that names the estimate and a size the same check accepts.
 */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.runtime.Fixtures;
import java.nio.file.Path;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {

    static final Path SHARED = Fixtures.locate().orElseThrow();
    static final UNetConfig SD15 = UNetConfig.fromJson(SHARED.resolve("artifacts/sd15-config/unet/config.json"));
    static final VaeConfig SD15_VAE = VaeConfig.fromJson(SHARED.resolve("artifacts/sd15-config/vae/config.json"));
    static final UNetConfig TINY = UNetConfig.fromJson(SHARED.resolve("golden/pipeline_tiny/unet/config.json"));
    static final VaeConfig TINY_VAE = VaeConfig.fromJson(SHARED.resolve("golden/pipeline_tiny/vae/config.json"));

    /**
     * SD-1.5 at N latent pixels: down 4·320N + 80N, 4·160N + 40N, 4·80N + 20N, 2·20N; mid 3·20N;
     * up 3·20N + 80N, 6·80N + 320N, 6·160N + 640N, 6·320N = 6,940N. Tiny (32, 64 channels, one
     * layer per block): down 2·32N + 8N, 16N; mid 3·16N; up 2·16N + 64N, 4·32N = 360N.
     */
    @Test
    void blockOutputsFollowDiffusersLayout() {
        assertThat(MemoryEstimate.blockOutputs(SD15, 64, 64)).isEqualTo(6940.0 * 64 * 64);
        assertThat(MemoryEstimate.blockOutputs(TINY, 32, 32)).isEqualTo(360.0 * 32 * 32);
        assertThat(MemoryEstimate.widestLevel(SD15, 64, 64)).isEqualTo(320.0 * 64 * 64);
    }

    /** SD-1.5 self-attention: 5 blocks (2 down, 3 up) at each of the first three levels, the mid block's at the fourth; 8 heads. */
    @Test
    void selfAttentionMapsAreCountedPerTransformerBlock() {
        MemoryEstimate.Attention a = MemoryEstimate.selfAttentionMaps(SD15, 64, 64, 1);
        double level0 = 4.0 * 8 * Math.pow(4096, 2), level1 = 4.0 * 8 * Math.pow(1024, 2), level2 = 4.0 * 8 * Math.pow(256, 2), level3 = 4.0 * 8 * Math.pow(64, 2);
        assertThat(a.sum()).isEqualTo(5 * level0 + 5 * level1 + 5 * level2 + level3);
        assertThat(a.max()).isEqualTo(level0);
    }

    @Test
    void checkpointingBoundsTrainingAndAdapterStateAdds() {
        long weights = 4_000_000_000L, unet = 3_400_000_000L;
        MemoryEstimate plain = MemoryEstimate.training(0, SD15, SD15_VAE, weights, unet, 0, 512, 1, false);
        MemoryEstimate checkpointed = MemoryEstimate.training(0, SD15, SD15_VAE, weights, unet, 0, 512, 1, true);
        MemoryEstimate small = MemoryEstimate.training(0, SD15, SD15_VAE, weights, unet, 0, 256, 1, false);
        MemoryEstimate soda = MemoryEstimate.training(0, SD15, SD15_VAE, weights, unet, 750_000_000L, 512, 1, false);
        assertThat(checkpointed.activations()).isLessThan(plain.activations() / 2);
        assertThat(small.activations()).isLessThan(plain.activations() / 3);
        assertThat(soda.total() - plain.total()).isEqualTo(750_000_000L);
        assertThat(plain.what()).isEqualTo("training at 512x512");
        assertThat(checkpointed.what()).endsWith("with gradient checkpointing");
    }

    @Test
    void samplingGrowsWithPixelsAndGuidanceDoublesTheUNetBatch() {
        MemoryEstimate at256 = MemoryEstimate.sampling(0, SD15, SD15_VAE, 0, 256, 256, 1, true);
        MemoryEstimate at512 = MemoryEstimate.sampling(0, SD15, SD15_VAE, 0, 512, 512, 1, true);
        MemoryEstimate unguided = MemoryEstimate.sampling(0, SD15, SD15_VAE, 0, 512, 512, 1, false);
        assertThat(at512.activations()).isGreaterThan(3 * at256.activations());
        assertThat(unguided.activations()).isLessThan(at512.activations());
    }

    @Test
    void aRunThatCannotFitIsRefusedWithTheEstimateAndASizeThatPasses() {
        IntFunction<MemoryEstimate> at = side -> MemoryEstimate.sampling(0, TINY, TINY_VAE, 0, side, side, 1, true);
        MemoryEstimate big = at.apply(4096);
        long limit = at.apply(1024).total() + 1;
        big.check(big.total(), at, 4096, 64, "--height/--width", "");                      // exactly at the limit: runs
        assertThatThrownBy(() -> big.check(limit, at, 4096, 64, "--height/--width", "lower --num-images"))
                .isInstanceOf(MemoryEstimate.NotEnoughMemory.class)
                .isInstanceOf(IllegalArgumentException.class)                               // exit 2
                .hasMessageContaining("not enough memory for sampling at 4096x4096")
                .hasMessageContaining(String.format("%.2f GiB", big.total() / 1073741824.0))
                .hasMessageContaining("sampling at 1024x1024 fits")
                .hasMessageContaining("set --height/--width lower, or lower --num-images");
        assertThatThrownBy(() -> big.check(1, at, 4096, 64, "--height/--width", ""))
                .hasMessageContaining("no size of 64 px or more fits");
    }
}
