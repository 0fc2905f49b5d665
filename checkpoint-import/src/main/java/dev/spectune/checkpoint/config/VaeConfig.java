/*
 * VaeConfig: diffusers' AutoencoderKL config, validated, with diffusers' defaults
 * (autoencoder_kl.py); scaling_factor defaults to SD's 0.18215.
 */
package dev.spectune.checkpoint.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public record VaeConfig(int inChannels, int outChannels, int latentChannels, List<Integer> blockOutChannels,
                        int layersPerBlock, int normNumGroups, double scalingFactor, String actFn, Integer sampleSize) {

    public static final double SD_SCALING_FACTOR = 0.18215;

    public VaeConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        if (blockOutChannels.isEmpty()) throw new ConfigException("vae: block_out_channels is empty");
        if (layersPerBlock < 1) throw new ConfigException("vae: layers_per_block must be >= 1, found " + layersPerBlock);
        if (inChannels < 1 || outChannels < 1 || latentChannels < 1) {
            throw new ConfigException("vae: in_channels, out_channels and latent_channels must be >= 1, found " + inChannels + ", " + outChannels + ", " + latentChannels);
        }
        if (normNumGroups < 1) throw new ConfigException("vae: norm_num_groups must be >= 1, found " + normNumGroups);
        for (int i = 0; i < blockOutChannels.size(); i++) {
            if (blockOutChannels.get(i) < 1) throw new ConfigException("vae: block_out_channels[" + i + "] must be >= 1, found " + blockOutChannels.get(i));
            if (blockOutChannels.get(i) % normNumGroups != 0) {
                throw new ConfigException("vae: block_out_channels[" + i + "] = " + blockOutChannels.get(i)
                        + " is not divisible by norm_num_groups " + normNumGroups);
            }
        }
        if (!(scalingFactor > 0)) throw new ConfigException("vae: scaling_factor must be positive, found " + scalingFactor);
        if (!"silu".equals(actFn)) throw new ConfigException("vae: act_fn '" + actFn + "' is not supported (silu)");
    }

    public int levels() {
        return blockOutChannels.size();
    }

    public static VaeConfig fromJson(Path file) {
        try {
            return read(Json.read(file));
        } catch (ConfigException e) {
            throw ConfigException.in(file, e);
        }
    }

    private static VaeConfig read(Json j) {
        List<Integer> blocks = j.integers("block_out_channels");
        for (String t : j.has("down_block_types") ? j.strings("down_block_types") : List.<String>of()) {
            if (!t.equals("DownEncoderBlock2D")) throw new ConfigException(j.source() + ": unsupported down block type '" + t + "'");
        }
        return new VaeConfig(j.integer("in_channels", 3), j.integer("out_channels", 3), j.integer("latent_channels", 4),
                blocks, j.integer("layers_per_block", 1), j.integer("norm_num_groups", 32),
                j.number("scaling_factor", SD_SCALING_FACTOR), j.text("act_fn", "silu"),
                j.has("sample_size") ? j.integer("sample_size") : null);
    }

    /** From diffusers VAE keys; GroupNorm groups assumed 32 (fewer when the channels forbid it) and scaling factor SD's (weights do not carry them). */
    public static VaeConfig detectFromWeights(WeightShapes w) {
        int in = (int) w.require("encoder.conv_in.weight", "vae in_channels")[1];
        int out = (int) w.require("decoder.conv_out.weight", "vae out_channels")[0];
        int latent = (int) w.require("decoder.conv_in.weight", "vae latent_channels")[1];
        int levels = w.countIndexed("encoder.down_blocks.");
        if (levels == 0) throw new ConfigException("cannot detect vae blocks: no encoder.down_blocks.* weights");
        List<Integer> channels = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            channels.add((int) w.require("encoder.down_blocks." + i + ".resnets.0.conv1.weight", "vae block channels")[0]);
        }
        int layers = w.countIndexed("encoder.down_blocks.0.resnets.");
        return new VaeConfig(in, out, latent, channels, layers, WeightShapes.guessNormGroups(channels), SD_SCALING_FACTOR, "silu", null);
    }
}
