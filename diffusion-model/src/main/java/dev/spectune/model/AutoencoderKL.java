/*
 * AutoencoderKL: diffusers' AutoencoderKL (autoencoder_kl.py, vae.py) as two SameDiff graphs.
 *
 * Encoder graph  inputs "image" [B, 3, H, W] in [−1, 1], "eps" [B, L, H/f, W/f] (the posterior noise)
 *   h = conv_in(image); down blocks (resnets, then pad (0,1,0,1) + stride-2 conv but last);
 *   mid (resnet, single-head attention, resnet); conv_out(silu(conv_norm_out(h)))  → "encoder"
 *   moments = quant_conv(h); mean, logvar = split; logvar clamped to [−30, 20]; std = exp(logvar/2)
 *   z = mean + std·eps; z_scaled = z·scaling_factor
 * Decoder graph  input "latents" [B, L, h, w] (unscaled)
 *   h = conv_in(post_quant_conv(latents)); mid; up blocks (reversed channels, L+1 resnets,
 *   nearest 2x + conv but last); conv_out(silu(conv_norm_out(h)))  → "decoded"
 * All VAE norms use eps 1e-6. diffusers' VAE attention has upcast_softmax=True, which in a float64
 * model runs its softmax in float32 (.float()); this graph keeps float64 throughout, so a float64
 * run differs from diffusers' float64 run by that float32 rounding (~2e-8), not by 1e-15.
 */
package dev.spectune.model;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Graphs;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import dev.spectune.ops.Padding;
import dev.spectune.ops.Shapes;
import dev.spectune.ops.Upsample;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

public final class AutoencoderKL {
    private AutoencoderKL() {}

    static final double EPS = 1e-6;

    /** The spatial downsampling factor: 2^(levels − 1). */
    public static int factor(VaeConfig config) {
        return 1 << (config.levels() - 1);
    }

    public static ModelGraph encoder(VaeConfig config, WeightSource weights, DataType type, int batch, int height, int width) {
        int f = factor(config);
        if (height % f != 0 || width % f != 0) throw new IllegalArgumentException("image size " + height + "x" + width + " must be divisible by " + f);
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        encoderInto(config, g, w, type, batch, height, width);
        w.finish("encoder.", "quant_conv.");
        return g;
    }

    private static void encoderInto(VaeConfig config, ModelGraph g, WeightBinder w, DataType type, int batch, int height, int width) {
        SameDiff sd = g.sd();
        int f = factor(config);
        List<Integer> ch = config.blockOutChannels();
        int groups = config.normNumGroups(), latent = config.latentChannels(), levels = config.levels();

        SDVariable image = g.input("image", type, batch, config.inChannels(), height, width);
        SDVariable eps = g.input("eps", type, batch, latent, height / f, width / f);
        SDVariable h = Conv2d.apply(sd, image, w.conv("encoder.conv_in.weight", ch.get(0), config.inChannels(), 3), w.param("encoder.conv_in.bias", ch.get(0)), 1, 1, 1);
        int channels = ch.get(0);
        for (int i = 0; i < levels; i++) {
            String p = "encoder.down_blocks." + i + ".";
            int out = ch.get(i);
            for (int j = 0; j < config.layersPerBlock(); j++) {
                h = ResnetBlock2D.apply(w, p + "resnets." + j + ".", h, null, channels, out, groups, EPS, 0);
                channels = out;
            }
            if (i < levels - 1) {
                h = Padding.zeroPad2d(sd, h, 0, 1, 0, 1);
                h = Conv2d.apply(sd, h, w.conv(p + "downsamplers.0.conv.weight", out, out, 3), w.param(p + "downsamplers.0.conv.bias", out), 2, 0, 1);
            }
            g.tap("encoder.down_blocks." + i, h);
        }
        h = g.tap("encoder.mid_block", midBlock(g, w, "encoder.mid_block.", h, channels, groups));
        h = Norms.groupNorm(sd, h, groups, EPS, w.param("encoder.conv_norm_out.weight", channels), w.param("encoder.conv_norm_out.bias", channels), 4);
        h = g.tap("encoder", Conv2d.apply(sd, Activations.silu(sd, h), w.conv("encoder.conv_out.weight", 2 * latent, channels, 3),
                w.param("encoder.conv_out.bias", 2 * latent), 1, 1, 1));                                   // [B, 2L, h, w]
        SDVariable moments = g.tap("quant_conv", Conv2d.apply(sd, h, w.conv("quant_conv.weight", 2 * latent, 2 * latent, 1),
                w.param("quant_conv.bias", 2 * latent), 1, 0, 1));
        SDVariable mean = g.tap("posterior_mean", moments.get(SDIndex.all(), SDIndex.interval(0L, (long) latent)));
        SDVariable logvar = g.tap("posterior_logvar", sd.math().clipByValue(moments.get(SDIndex.all(), SDIndex.interval((long) latent, 2L * latent)), -30.0, 20.0));
        SDVariable std = g.tap("posterior_std", sd.math().exp(logvar.mul(0.5)));
        SDVariable z = g.tap("z", mean.add(std.mul(eps)));
        g.tap("z_scaled", z.mul(config.scalingFactor()));
        g.tap("mean_scaled", mean.mul(config.scalingFactor()));
    }

    public static ModelGraph decoder(VaeConfig config, WeightSource weights, DataType type, int batch, int latentHeight, int latentWidth) {
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        decoderInto(config, g, w, g.input("latents", type, batch, config.latentChannels(), latentHeight, latentWidth));
        w.finish("decoder.", "post_quant_conv.");
        return g;
    }

    /**
     * Encoder and decoder in one graph with every weight trainable — the autoencoder as it is
     * trained (LDM's AutoencoderKL training, Rombach et al. 2022, §3 and App. G): inputs "image"
     * [B, 3, H, W] and "eps" [B, L, H/f, W/f]; the decoder reads the posterior sample z = mean + std·eps
     * (taps as in {@link #encoder} and {@link #decoder}: "posterior_mean", "posterior_logvar", "decoded").
     */
    public static ModelGraph autoencoder(VaeConfig config, WeightSource weights, DataType type, int batch, int height, int width) {
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "").trainable(true);
        encoderInto(config, g, w, type, batch, height, width);
        decoderInto(config, g, w, g.get("z"));
        w.finish();
        return g;
    }

    /** The decoder from the (unscaled) latents {@code z} [B, L, h, w]. */
    private static void decoderInto(VaeConfig config, ModelGraph g, WeightBinder w, SDVariable z) {
        SameDiff sd = g.sd();
        List<Integer> ch = config.blockOutChannels();
        int groups = config.normNumGroups(), latent = config.latentChannels(), levels = config.levels();

        SDVariable h = g.tap("post_quant_conv", Conv2d.apply(sd, z, w.conv("post_quant_conv.weight", latent, latent, 1), w.param("post_quant_conv.bias", latent), 1, 0, 1));
        int channels = ch.get(levels - 1);
        h = Conv2d.apply(sd, h, w.conv("decoder.conv_in.weight", channels, latent, 3), w.param("decoder.conv_in.bias", channels), 1, 1, 1);
        h = g.tap("decoder.mid_block", midBlock(g, w, "decoder.mid_block.", h, channels, groups));
        for (int i = 0; i < levels; i++) {
            String p = "decoder.up_blocks." + i + ".";
            int out = ch.get(levels - 1 - i);
            for (int j = 0; j <= config.layersPerBlock(); j++) {
                h = ResnetBlock2D.apply(w, p + "resnets." + j + ".", h, null, channels, out, groups, EPS, 0);
                channels = out;
            }
            if (i < levels - 1) {
                h = Conv2d.apply(sd, Upsample.nearest2x(sd, h), w.conv(p + "upsamplers.0.conv.weight", out, out, 3), w.param(p + "upsamplers.0.conv.bias", out), 1, 1, 1);
            }
            g.tap("decoder.up_blocks." + i, h);
        }
        h = Norms.groupNorm(sd, h, groups, EPS, w.param("decoder.conv_norm_out.weight", channels), w.param("decoder.conv_norm_out.bias", channels), 4);
        h = Conv2d.apply(sd, Activations.silu(sd, h), w.conv("decoder.conv_out.weight", config.outChannels(), channels, 3),
                w.param("decoder.conv_out.bias", config.outChannels()), 1, 1, 1);
        g.tap("decoder", h);
        g.tap("decoded", h);
    }

    /** The state dict this config implies (encoder, quant convs and decoder), with PyTorch shapes. */
    public static java.util.Map<String, long[]> parameterShapes(VaeConfig config) {
        java.util.Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        int f = factor(config);
        SameDiff sd = Graphs.create();
        WeightBinder w = WeightBinder.shapesOnly(sd, DataType.FLOAT);
        encoderInto(config, new ModelGraph(sd, DataType.FLOAT), w, DataType.FLOAT, 1, f, f);
        shapes.putAll(w.requested());
        SameDiff sd2 = Graphs.create();
        WeightBinder w2 = WeightBinder.shapesOnly(sd2, DataType.FLOAT);
        ModelGraph g2 = new ModelGraph(sd2, DataType.FLOAT);
        decoderInto(config, g2, w2, g2.input("latents", DataType.FLOAT, 1, config.latentChannels(), 1, 1));
        shapes.putAll(w2.requested());
        return shapes;
    }

    /** UNetMidBlock2D without time embedding: resnet, attention, resnet. */
    private static SDVariable midBlock(ModelGraph g, WeightBinder w, String p, SDVariable h, int c, int groups) {
        h = ResnetBlock2D.apply(w, p + "resnets.0.", h, null, c, c, groups, EPS, 0);
        h = g.tap(p.substring(0, p.length() - 1) + ".attentions.0", attention(w, p + "attentions.0.", h, c, groups));
        return ResnetBlock2D.apply(w, p + "resnets.1.", h, null, c, c, groups, EPS, 0);
    }

    /** The VAE's single-head spatial self-attention with a residual connection. */
    private static SDVariable attention(WeightBinder w, String p, SDVariable x, int c, int groups) {
        SameDiff sd = w.sd();
        SDVariable h = Norms.groupNorm(sd, x, groups, EPS, w.param(p + "group_norm.weight", c), w.param(p + "group_norm.bias", c), 4);
        h = Shapes.reshape(sd, sd.permute(h, 0, 2, 3, 1), Shapes.dims(sd, x, 0, 1), Shapes.fixed(sd, -1, c));   // [B, HW, C]
        SDVariable q = Linear.apply(sd, h, w.param(p + "to_q.weight", c, c), w.param(p + "to_q.bias", c));
        SDVariable k = Linear.apply(sd, h, w.param(p + "to_k.weight", c, c), w.param(p + "to_k.bias", c));
        SDVariable v = Linear.apply(sd, h, w.param(p + "to_v.weight", c, c), w.param(p + "to_v.bias", c));
        SDVariable a = Attention.scaledDotProduct(sd, q, k, v, 1, c, null);                                    // [B, HW, C]
        a = Linear.apply(sd, a, w.param(p + "to_out.0.weight", c, c), w.param(p + "to_out.0.bias", c));
        a = Shapes.reshape(sd, a, Shapes.dims(sd, x, 0, 1), Shapes.dims(sd, x, 2, 4), Shapes.fixed(sd, c));    // [B, H, W, C]
        return sd.permute(a, 0, 3, 1, 2).add(x);                                                               // [B, C, H, W]
    }
}
