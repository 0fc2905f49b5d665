/*
 * UNet2DConditionModel: diffusers' UNet2DConditionModel (unet_2d_condition.py) as a SameDiff graph,
 * for the block types Stable Diffusion 1.x/2.x use (CrossAttnDownBlock2D, DownBlock2D,
 * UNetMidBlock2DCrossAttn, UpBlock2D, CrossAttnUpBlock2D).
 *
 *   temb = time_embedding(time_proj(t))                         [B, 4·C0]
 *   h = conv_in(sample); skips = [h]
 *   down block i: (resnet, attention?) × L, skips += h each; downsample (stride-2 conv) but last
 *   mid: resnet, attention, resnet
 *   up block i (channels reversed): (cat(h, skips.pop()), resnet, attention?) × (L+1); upsample but last,
 *   to the next skip's size (any latent size works, as in diffusers' forward_upsample_size)
 *   out = conv_out(silu(conv_norm_out(h)))
 *
 * Inputs: "sample" [B, Cin, H, W], "timestep" [B] (float), "encoder_hidden_states" [B, T, crossDim].
 * Taps: "out" and the module names diffusers' hooks use (time_proj, time_embedding, conv_in,
 * down_blocks.i, down_blocks.i.resnets.j, down_blocks.i.attentions.j, ….attn1/attn2, mid_block,
 * up_blocks.i, conv_norm_out, conv_out).
 */
package dev.spectune.model;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.ops.Activations;
import dev.spectune.ops.Channels;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Graphs;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import dev.spectune.ops.TimestepEmbedding;
import dev.spectune.ops.Upsample;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

public final class UNet2DConditionModel {
    private UNet2DConditionModel() {}

    public static ModelGraph build(UNetConfig config, WeightSource weights, DataType type, int batch, int height, int width, int contextLength) {
        return build(config, weights, type, batch, height, width, contextLength, false);
    }

    /** @param trainable weights as trainable variables (full fine-tuning, gradient checks) */
    public static ModelGraph build(UNetConfig config, WeightSource weights, DataType type, int batch, int height, int width, int contextLength,
                                   boolean trainable) {
        if (height < 1 || width < 1) throw new IllegalArgumentException("latent size must be positive, got " + height + "x" + width);
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "").trainable(trainable);
        graph(config, g, w, type, batch, height, width, contextLength);
        w.finish();
        return g;
    }

    /** The state dict this config implies: every checkpoint key with its PyTorch shape, in module order. */
    public static java.util.Map<String, long[]> parameterShapes(UNetConfig config) {
        SameDiff sd = Graphs.create();
        WeightBinder w = WeightBinder.shapesOnly(sd, DataType.FLOAT);
        int f = 1 << (config.levels() - 1);
        graph(config, new ModelGraph(sd, DataType.FLOAT), w, DataType.FLOAT, 1, f, f, 1);
        return w.requested();
    }

    private static void graph(UNetConfig config, ModelGraph g, WeightBinder w, DataType type, int batch, int height, int width, int contextLength) {
        SameDiff sd = g.sd();
        int levels = config.levels();
        List<Integer> ch = config.blockOutChannels();
        int c0 = ch.get(0), tembDim = config.timeEmbeddingDim(), groups = config.normNumGroups();
        double eps = config.normEps();

        SDVariable sample = g.input("sample", type, batch, config.inChannels(), height, width);
        SDVariable timestep = g.input("timestep", type, batch);
        SDVariable context = g.input("encoder_hidden_states", type, batch, contextLength, config.crossAttentionDim());

        SDVariable tproj = g.tap("time_proj", TimestepEmbedding.sinusoidal(sd, timestep, c0, config.flipSinToCos(),
                config.freqShift(), 1.0, TimestepEmbedding.MAX_PERIOD, type));                               // [B, C0]
        SDVariable temb = Linear.apply(sd, tproj, w.param("time_embedding.linear_1.weight", tembDim, c0), w.param("time_embedding.linear_1.bias", tembDim));
        temb = g.tap("time_embedding", g.checkpoint(Linear.apply(sd, Activations.silu(sd, temb),
                w.param("time_embedding.linear_2.weight", tembDim, tembDim), w.param("time_embedding.linear_2.bias", tembDim)))); // [B, 4·C0]

        SDVariable h = g.tap("conv_in", g.checkpoint(Conv2d.apply(sd, sample, w.conv("conv_in.weight", c0, config.inChannels(), 3), w.param("conv_in.bias", c0), 1, 1, 1)));
        Deque<SDVariable> skips = new ArrayDeque<>();
        Deque<Integer> skipChannels = new ArrayDeque<>();
        Deque<int[]> skipSizes = new ArrayDeque<>();
        int hh = height, ww = width;
        skips.push(h);
        skipChannels.push(c0);
        skipSizes.push(new int[] {hh, ww});

        int channels = c0;
        for (int i = 0; i < levels; i++) {
            String p = "down_blocks." + i + ".";
            int out = ch.get(i);
            for (int j = 0; j < config.layersPerBlock(); j++) {
                h = g.tap(p + "resnets." + j, g.checkpoint(ResnetBlock2D.apply(w, p + "resnets." + j + ".", h, temb, channels, out, groups, eps, tembDim)));
                channels = out;
                if (config.downHasAttention(i)) {
                    h = g.tap(p + "attentions." + j, Transformer2DModel.apply(g, w, p + "attentions." + j + ".", h, context, out,
                            config.attentionHeads().get(i), config.crossAttentionDim(), groups, config.useLinearProjection(), config.transformerLayersPerBlock()));
                }
                skips.push(h);
                skipChannels.push(out);
                skipSizes.push(new int[] {hh, ww});
            }
            if (i < levels - 1) {
                int pad = config.downsamplePadding();
                h = g.checkpoint(Conv2d.apply(sd, h, w.conv(p + "downsamplers.0.conv.weight", out, out, 3), w.param(p + "downsamplers.0.conv.bias", out),
                        2, pad, 1));
                hh = (hh + 2 * pad - 3) / 2 + 1;
                ww = (ww + 2 * pad - 3) / 2 + 1;
                skips.push(h);
                skipChannels.push(out);
                skipSizes.push(new int[] {hh, ww});
            }
            g.tap("down_blocks." + i, h);
        }

        int cLast = ch.get(levels - 1);
        h = g.checkpoint(ResnetBlock2D.apply(w, "mid_block.resnets.0.", h, temb, cLast, cLast, groups, eps, tembDim));
        h = Transformer2DModel.apply(g, w, "mid_block.attentions.0.", h, context, cLast, config.attentionHeads().get(levels - 1),
                config.crossAttentionDim(), groups, config.useLinearProjection(), config.transformerLayersPerBlock());
        h = g.tap("mid_block", g.checkpoint(ResnetBlock2D.apply(w, "mid_block.resnets.1.", h, temb, cLast, cLast, groups, eps, tembDim)));

        for (int i = 0; i < levels; i++) {
            String p = "up_blocks." + i + ".";
            int level = levels - 1 - i;                                    // the down level this up block mirrors
            int out = ch.get(level);
            boolean attention = config.upHasAttention(i);
            for (int j = 0; j <= config.layersPerBlock(); j++) {
                SDVariable skip = skips.pop();
                int skipC = skipChannels.pop();
                skipSizes.pop();
                int in = channels + skipC;
                h = g.checkpoint(ResnetBlock2D.apply(w, p + "resnets." + j + ".", Channels.concat(sd, h, skip), temb, in, out, groups, eps, tembDim));
                channels = out;
                if (attention) {
                    h = Transformer2DModel.apply(g, w, p + "attentions." + j + ".", h, context, out, config.attentionHeads().get(level),
                            config.crossAttentionDim(), groups, config.useLinearProjection(), config.transformerLayersPerBlock());
                }
            }
            if (i < levels - 1) {
                // diffusers upsamples to the next skip's size (2x when the latent divides evenly).
                int[] target = skipSizes.peek();
                h = Upsample.nearest(sd, h, hh, ww, target[0], target[1], type);
                hh = target[0];
                ww = target[1];
                h = g.checkpoint(Conv2d.apply(sd, h, w.conv(p + "upsamplers.0.conv.weight", out, out, 3), w.param(p + "upsamplers.0.conv.bias", out), 1, 1, 1));
            }
            g.tap("up_blocks." + i, h);
        }

        h = g.tap("conv_norm_out", Norms.groupNorm(sd, h, groups, eps, w.param("conv_norm_out.weight", c0), w.param("conv_norm_out.bias", c0), 4));
        h = Conv2d.apply(sd, Activations.silu(sd, h), w.conv("conv_out.weight", config.outChannels(), c0, 3), w.param("conv_out.bias", config.outChannels()), 1, 1, 1);
        g.tap("conv_out", h);
        g.tap("out", h);
    }
}
