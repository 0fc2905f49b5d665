/*
 * WorldModelSpec: the architecture of the world model — a Stable Diffusion in miniature with SD's
 * topology (diffusers' UNet2DConditionModel with cross-attention down and up blocks, an
 * AutoencoderKL, a CLIP text encoder), sized for 64 px scenes on a CPU. Every size is named here;
 * the configs written into the pipeline folder are derived from it.
 */
package dev.spectune.pretrain;

import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * @param side           image side in pixels
 * @param vaeChannels    AutoencoderKL block_out_channels (levels − 1 halvings: the latent factor)
 * @param vaeGroups      the autoencoder's GroupNorm groups
 * @param latentChannels latent channels
 * @param unetChannels   UNet block_out_channels; every level but the deepest has cross-attention
 * @param unetLayers     UNet layers_per_block
 * @param unetHeads      attention heads per transformer block
 * @param unetGroups     the UNet's GroupNorm groups
 * @param textHidden     CLIP hidden size (also the UNet's cross_attention_dim)
 * @param textLayers     CLIP layers
 * @param textHeads      CLIP attention heads
 * @param textIntermediate CLIP MLP width
 * @param betaSchedule   the diffusion's noise schedule (diffusers' beta_schedule), from betaStart to betaEnd over 1000 steps:
 *                       DDPM's linear 1e-4 → 0.02 (Ho et al. 2020, §4). SD's scaled_linear 0.00085 → 0.012 leaves
 *                       √ᾱ_T ≈ 0.07 of the image at the last step, which on 16×16 latents is as large as the
 *                       mean of the noise itself: a model then reads the layout off the starting noise and
 *                       ignores the prompt (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps
 *                       are Flawed"; seen here); linear leaves √ᾱ_T ≈ 0.006.
 */
public record WorldModelSpec(int side, List<Integer> vaeChannels, int vaeGroups, int latentChannels, List<Integer> unetChannels, int unetLayers,
                             int unetHeads, int unetGroups, int textHidden, int textLayers, int textHeads, int textIntermediate,
                             String betaSchedule, double betaStart, double betaEnd) {

    /** The shipped model's architecture. */
    public static final WorldModelSpec DEFAULT = new WorldModelSpec(64, List.of(16, 32, 64), 8, 4, List.of(32, 64, 128), 1, 4, 16, 64, 2, 4, 256,
            "linear", 1e-4, 0.02);

    /** A miniature of the same topology for tests (32 px, few channels). */
    public static final WorldModelSpec TEST = new WorldModelSpec(32, List.of(8, 16), 4, 4, List.of(16, 32), 1, 2, 4, 16, 1, 2, 32, "linear", 1e-4, 0.02);

    public WorldModelSpec {
        vaeChannels = List.copyOf(vaeChannels);
        unetChannels = List.copyOf(unetChannels);
        if (side % (1 << (vaeChannels.size() - 1)) != 0) throw new IllegalArgumentException("side " + side + " is not divisible by the autoencoder's factor");
        if (unetChannels.size() < 2) throw new IllegalArgumentException("the UNet needs at least 2 levels, got " + unetChannels);
    }

    /** The latent side: side / 2^(levels − 1). */
    public int latentSide() {
        return side >> (vaeChannels.size() - 1);
    }

    public UNetConfig unet() {
        int n = unetChannels.size();
        List<String> down = new ArrayList<>(Collections.nCopies(n - 1, "CrossAttnDownBlock2D")), up = new ArrayList<>(List.of("UpBlock2D"));
        down.add("DownBlock2D");
        up.addAll(Collections.nCopies(n - 1, "CrossAttnUpBlock2D"));
        return new UNetConfig(latentChannels, latentChannels, unetChannels, down, up, "UNetMidBlock2DCrossAttn", unetLayers,
                Collections.nCopies(n, unetHeads), textHidden, 1, unetGroups, 1e-5, true, 0, false, false, 1, "silu", latentSide());
    }

    /** The autoencoder with its latent scaling factor (set once the autoencoder is trained: 1 / std of the latents). */
    public VaeConfig vae(double scalingFactor) {
        return new VaeConfig(3, 3, latentChannels, vaeChannels, 1, vaeGroups, scalingFactor, "silu", side);
    }

    /**
     * The diffusion's training schedule (1000 steps) for a prediction type ("epsilon" or
     * "v_prediction"); the pipeline's DDIM sampler uses the same betas.
     */
    public SchedulerConfig schedule(String predictionType) {
        return new SchedulerConfig("DDPMScheduler", 1000, betaStart, betaEnd, betaSchedule, predictionType, false, 1, false, false, "leading");
    }

    /** The text encoder for a vocabulary of {@code vocabSize} tokens ending in BOS, EOS (which also pads). */
    public TextEncoderConfig text(int vocabSize) {
        return new TextEncoderConfig(vocabSize, textHidden, textIntermediate, textLayers, textHeads, 77, "quick_gelu", 1e-5,
                vocabSize - 2, vocabSize - 1, vocabSize - 1, textHidden);
    }
}
