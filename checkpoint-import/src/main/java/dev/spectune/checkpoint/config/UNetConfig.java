/*
 * UNetConfig: the fields of diffusers' UNet2DConditionModel config that SD 1.x/2.x use, validated.
 * Defaults are diffusers' own (unet_2d_condition.py). attention_head_dim is kept per block; in
 * diffusers (a historical misnomer) it is the number of HEADS when num_attention_heads is unset.
 */
package dev.spectune.checkpoint.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

public record UNetConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        String midBlockType,
        int layersPerBlock,
        List<Integer> attentionHeads,
        int crossAttentionDim,
        int transformerLayersPerBlock,
        int normNumGroups,
        double normEps,
        boolean flipSinToCos,
        double freqShift,
        boolean useLinearProjection,
        boolean upcastAttention,
        int downsamplePadding,
        String actFn,
        Integer sampleSize) {

    static final Set<String> DOWN_TYPES = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    static final Set<String> UP_TYPES = Set.of("CrossAttnUpBlock2D", "UpBlock2D");

    public UNetConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        attentionHeads = List.copyOf(attentionHeads);
        int n = blockOutChannels.size();
        if (n == 0) throw new ConfigException("unet: block_out_channels is empty");
        if (downBlockTypes.size() != n || upBlockTypes.size() != n || attentionHeads.size() != n) {
            throw new ConfigException("unet: block_out_channels (" + n + "), down_block_types (" + downBlockTypes.size()
                    + "), up_block_types (" + upBlockTypes.size() + ") and attention heads (" + attentionHeads.size() + ") must have equal length");
        }
        for (String t : downBlockTypes) if (!DOWN_TYPES.contains(t)) throw new ConfigException("unet: unsupported down block type '" + t + "' (supported: " + DOWN_TYPES + ")");
        for (String t : upBlockTypes) if (!UP_TYPES.contains(t)) throw new ConfigException("unet: unsupported up block type '" + t + "' (supported: " + UP_TYPES + ")");
        if (midBlockType != null && !midBlockType.equals("UNetMidBlock2DCrossAttn")) {
            throw new ConfigException("unet: unsupported mid_block_type '" + midBlockType + "'");
        }
        if (layersPerBlock < 1) throw new ConfigException("unet: layers_per_block must be >= 1, found " + layersPerBlock);
        if (inChannels < 1 || outChannels < 1 || crossAttentionDim < 1) {
            throw new ConfigException("unet: in_channels, out_channels and cross_attention_dim must be >= 1, found " + inChannels + ", " + outChannels + ", " + crossAttentionDim);
        }
        if (normNumGroups < 1) throw new ConfigException("unet: norm_num_groups must be >= 1, found " + normNumGroups);
        if (transformerLayersPerBlock < 1) throw new ConfigException("unet: transformer_layers_per_block must be >= 1, found " + transformerLayersPerBlock);
        for (int i = 0; i < n; i++) {
            if (blockOutChannels.get(i) < 1) throw new ConfigException("unet: block_out_channels[" + i + "] must be >= 1, found " + blockOutChannels.get(i));
            if (attentionHeads.get(i) < 1) {
                throw new ConfigException("unet: attention heads of block " + i + " (attention_head_dim / num_attention_heads) must be >= 1, found " + attentionHeads.get(i));
            }
        }
        for (int i = 0; i < n; i++) {
            int c = blockOutChannels.get(i);
            if (c % normNumGroups != 0) throw new ConfigException("unet: block_out_channels[" + i + "] = " + c + " is not divisible by norm_num_groups " + normNumGroups);
            if (c % attentionHeads.get(i) != 0) throw new ConfigException("unet: block_out_channels[" + i + "] = " + c + " is not divisible by " + attentionHeads.get(i) + " heads");
        }
        if (!(normEps > 0)) throw new ConfigException("unet: norm_eps must be positive, found " + normEps);
        if (!"silu".equals(actFn)) throw new ConfigException("unet: act_fn '" + actFn + "' is not supported (silu)");
    }

    public int levels() {
        return blockOutChannels.size();
    }

    public boolean downHasAttention(int i) {
        return downBlockTypes.get(i).startsWith("CrossAttn");
    }

    public boolean upHasAttention(int i) {
        return upBlockTypes.get(i).startsWith("CrossAttn");
    }

    /** Timestep embedding width: 4 × block_out_channels[0]. */
    public int timeEmbeddingDim() {
        return 4 * blockOutChannels.get(0);
    }

    public static UNetConfig fromJson(Path file) {
        try {
            return fromJson(Json.read(file));
        } catch (ConfigException e) {
            throw ConfigException.in(file, e);
        }
    }

    static UNetConfig fromJson(Json j) {
        List<Integer> blocks = j.integers("block_out_channels");
        int n = blocks.size();
        // num_attention_heads wins when set; else attention_head_dim carries the head count (diffusers quirk).
        List<Integer> heads = j.has("num_attention_heads") ? j.integerOrList("num_attention_heads", n, 8)
                : j.integerOrList("attention_head_dim", n, 8);
        int transformerLayers = j.has("transformer_layers_per_block") && j.node("transformer_layers_per_block").isIntegralNumber()
                ? j.integer("transformer_layers_per_block") : 1;
        return new UNetConfig(
                j.integer("in_channels", 4), j.integer("out_channels", 4), blocks,
                j.strings("down_block_types"), j.strings("up_block_types"),
                j.text("mid_block_type", "UNetMidBlock2DCrossAttn"),
                j.integer("layers_per_block", 2), heads, j.integer("cross_attention_dim"), transformerLayers,
                j.integer("norm_num_groups", 32), j.number("norm_eps", 1e-5),
                j.bool("flip_sin_to_cos", true), j.number("freq_shift", 0),
                j.bool("use_linear_projection", false), j.bool("upcast_attention", false),
                j.integer("downsample_padding", 1), j.text("act_fn", "silu"),
                j.has("sample_size") ? j.integer("sample_size") : null);
    }

    /**
     * Derives the config from weight names and shapes (diffusers keys). What weights cannot tell
     * is assumed as Stable Diffusion does: GroupNorm with 32 groups (fewer when the channels forbid 32), and heads of 8 (SD 1.x,
     * conv projections) or of width 64 (SD 2.x, linear projections).
     */
    public static UNetConfig detectFromWeights(WeightShapes w) {
        int in = (int) w.require("conv_in.weight", "unet in_channels")[1];
        int out = (int) w.require("conv_out.weight", "unet out_channels")[0];
        int levels = w.countIndexed("down_blocks.");
        if (levels == 0) throw new ConfigException("cannot detect unet blocks: no down_blocks.* weights in " + w);
        int layers = w.countIndexed("down_blocks.0.resnets.");
        List<Integer> channels = new ArrayList<>();
        List<String> down = new ArrayList<>(), up = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            channels.add((int) w.require("down_blocks." + i + ".resnets.0.conv1.weight", "unet block channels")[0]);
            down.add(w.anyStartsWith("down_blocks." + i + ".attentions.") ? "CrossAttnDownBlock2D" : "DownBlock2D");
            up.add(w.anyStartsWith("up_blocks." + i + ".attentions.") ? "CrossAttnUpBlock2D" : "UpBlock2D");
        }
        String attnPrefix = w.shapes().keySet().stream().filter(k -> k.endsWith(".attn2.to_k.weight")).findFirst()
                .orElseThrow(() -> new ConfigException("cannot detect cross_attention_dim: no attn2.to_k weights"));
        int crossDim = (int) w.require(attnPrefix, "cross_attention_dim")[1];
        String projIn = w.shapes().keySet().stream().filter(k -> k.endsWith(".proj_in.weight")).findFirst().orElse(null);
        boolean linear = projIn != null && w.require(projIn, "use_linear_projection").length == 2;
        int transformerLayers = Math.max(1, w.countIndexed("mid_block.attentions.0.transformer_blocks."));
        List<Integer> heads = new ArrayList<>();
        for (int c : channels) heads.add(linear ? Math.max(1, c / 64) : 8);
        return new UNetConfig(in, out, channels, down, up, "UNetMidBlock2DCrossAttn", layers, heads, crossDim,
                transformerLayers, WeightShapes.guessNormGroups(channels), 1e-5, true, 0, linear, false, 1, "silu", null);
    }

    /**
     * A UNet of the given blocks with diffusers' defaults for the rest (those fromJson fills in): 4
     * channels in and out, the cross-attention mid block, 2 layers per block, 8 heads per block, one
     * transformer layer, GroupNorm of 32 groups (eps 1e-5), flip_sin_to_cos, no linear projections.
     */
    public static UNetConfig defaults(List<Integer> blockOutChannels, List<String> downBlockTypes, List<String> upBlockTypes, int crossAttentionDim) {
        return new UNetConfig(4, 4, blockOutChannels, downBlockTypes, upBlockTypes, "UNetMidBlock2DCrossAttn", 2,
                java.util.Collections.nCopies(blockOutChannels.size(), 8), crossAttentionDim, 1, 32, 1e-5, true, 0, false, false, 1, "silu", null);
    }

    public UNetConfig withLayersPerBlock(int layers) {
        return new UNetConfig(inChannels, outChannels, blockOutChannels, downBlockTypes, upBlockTypes, midBlockType, layers, attentionHeads, crossAttentionDim,
                transformerLayersPerBlock, normNumGroups, normEps, flipSinToCos, freqShift, useLinearProjection, upcastAttention, downsamplePadding, actFn, sampleSize);
    }

    public UNetConfig withNormGroups(int groups) {
        return new UNetConfig(inChannels, outChannels, blockOutChannels, downBlockTypes, upBlockTypes, midBlockType, layersPerBlock, attentionHeads, crossAttentionDim,
                transformerLayersPerBlock, groups, normEps, flipSinToCos, freqShift, useLinearProjection, upcastAttention, downsamplePadding, actFn, sampleSize);
    }

    public UNetConfig withSampleSize(Integer size) {
        return new UNetConfig(inChannels, outChannels, blockOutChannels, downBlockTypes, upBlockTypes, midBlockType, layersPerBlock, attentionHeads, crossAttentionDim,
                transformerLayersPerBlock, normNumGroups, normEps, flipSinToCos, freqShift, useLinearProjection, upcastAttention, downsamplePadding, actFn, size);
    }
}
