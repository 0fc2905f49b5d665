/*
 * TinyAutoencoder: the TAESD family (madebyollin/taesd, taesd.py: TAESD, TAESDXL, TAEF1 and the
 * FLUX.2 variant TAEF2 with a mid-block GroupNorm branch) as SameDiff graphs — the fast preview
 * decoder ComfyUI and A1111 use. Images are in [0, 1]; latents are the VAE's scaled latents.
 *
 * The weights are nn.Sequential state dicts ("encoder.N.…", "decoder.N.…"), and the layer list is
 * read from them, as ComfyUI does: a key group with conv.0.* is a Block, one with weight (+bias)
 * is a 3x3 conv (bias-less convs stride 2 in the encoder), and in the decoder the indices without
 * weights are Clamp (0), ReLU (2) and 2x nearest upsampling (the others).
 *
 *   Block(x) = relu(conv3(relu(conv2(relu(conv1(x'))))) + skip(x')),  x' = x + pool(x) when the
 *   block has the mid-block branch pool = conv1x1(4C) → GroupNorm(4) → ReLU → conv1x1(C)
 *   Clamp(x) = tanh(x/3)·3
 */
package dev.spectune.model;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.ops.Activations;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Graphs;
import dev.spectune.ops.Norms;
import dev.spectune.ops.Upsample;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

public final class TinyAutoencoder {
    private TinyAutoencoder() {}

    /** Latent channels of the encoder's last conv (4 TAESD/TAESDXL, 16 TAEF1, 32 TAEF2). */
    public static int latentChannels(WeightSource w) {
        int last = lastIndex(w, "decoder.");
        if (last < 0) throw new CheckpointException(w.description() + ": no decoder.* weights; not a TAESD-family checkpoint");
        return (int) w.shape("decoder.1.weight")[1];
    }

    /** Encoder: input "image" [B, 3, H, W] in [0, 1] → tap "latents" [B, L, H/8, W/8]; taps "encoder.N" per layer. */
    public static ModelGraph encoder(WeightSource weights, DataType type, int batch, int height, int width) {
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        SDVariable h = g.input("image", type, batch, 3, height, width);
        int last = lastIndex(weights, "encoder.");
        if (last < 0) throw new CheckpointException(weights.description() + ": no encoder.* weights");
        for (int i = 0; i <= last; i++) {
            String p = "encoder." + i + ".";
            if (weights.keys().contains(p + "conv.0.weight")) {
                h = block(w, weights, p, h);
            } else if (weights.keys().contains(p + "weight")) {
                boolean bias = weights.keys().contains(p + "bias");
                h = conv3x3(w, weights, p, h, bias ? 1 : 2, bias);
            } else {
                throw new CheckpointException(weights.description() + ": encoder layer " + i + " has no weights (expected a conv or a block)");
            }
            g.tap("encoder." + i, h);
        }
        g.tap("latents", h);
        w.finish("encoder.");
        return g;
    }

    /** Decoder: input "latents" [B, L, h, w] → tap "decoded" [B, 3, 8h, 8w] (unclamped) and "decoded_clamped" in [0, 1]. */
    public static ModelGraph decoder(WeightSource weights, DataType type, int batch, int latentHeight, int latentWidth) {
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        SDVariable h = g.input("latents", type, batch, latentChannels(weights), latentHeight, latentWidth);
        int last = lastIndex(weights, "decoder.");
        for (int i = 0; i <= last; i++) {
            String p = "decoder." + i + ".";
            if (weights.keys().contains(p + "conv.0.weight")) {
                h = block(w, weights, p, h);
            } else if (weights.keys().contains(p + "weight")) {
                h = conv3x3(w, weights, p, h, 1, weights.keys().contains(p + "bias"));
            } else if (i == 0) {
                h = Activations.softClamp(sd, h, 3.0);
            } else if (i == 2) {
                h = Activations.relu(sd, h);
            } else {
                h = Upsample.nearest2x(sd, h);
            }
            g.tap("decoder." + i, h);
        }
        g.tap("decoded", h);
        g.tap("decoded_clamped", sd.math().clipByValue(h, 0.0, 1.0));
        w.finish("decoder.");
        return g;
    }

    private static SDVariable conv3x3(WeightBinder w, WeightSource weights, String p, SDVariable x, int stride, boolean bias) {
        long[] s = weights.shape(p + "weight");
        return Conv2d.apply(w.sd(), x, w.conv(p + "weight", s[0], s[1], 3), bias ? w.param(p + "bias", s[0]) : null, stride, 1, 1);
    }

    private static SDVariable block(WeightBinder w, WeightSource weights, String p, SDVariable x) {
        SameDiff sd = w.sd();
        long out = weights.shape(p + "conv.0.weight")[0], in = weights.shape(p + "conv.0.weight")[1];
        if (weights.keys().contains(p + "pool.0.weight")) {
            long wide = weights.shape(p + "pool.0.weight")[0];
            SDVariable pool = Conv2d.apply(sd, x, w.conv(p + "pool.0.weight", wide, in, 1), null, 1, 0, 1);
            pool = Norms.groupNorm(sd, pool, 4, 1e-5, w.param(p + "pool.1.weight", wide), w.param(p + "pool.1.bias", wide), 4);
            pool = Conv2d.apply(sd, Activations.relu(sd, pool), w.conv(p + "pool.3.weight", in, wide, 1), null, 1, 0, 1);
            x = x.add(pool);
        }
        SDVariable h = Conv2d.apply(sd, x, w.conv(p + "conv.0.weight", out, in, 3), w.param(p + "conv.0.bias", out), 1, 1, 1);
        h = Conv2d.apply(sd, Activations.relu(sd, h), w.conv(p + "conv.2.weight", out, out, 3), w.param(p + "conv.2.bias", out), 1, 1, 1);
        h = Conv2d.apply(sd, Activations.relu(sd, h), w.conv(p + "conv.4.weight", out, out, 3), w.param(p + "conv.4.bias", out), 1, 1, 1);
        SDVariable skip = in == out ? x : Conv2d.apply(sd, x, w.conv(p + "skip.weight", out, in, 1), null, 1, 0, 1);
        return Activations.relu(sd, h.add(skip));
    }

    private static int lastIndex(WeightSource w, String prefix) {
        Pattern p = Pattern.compile("^" + Pattern.quote(prefix) + "(\\d+)\\.");
        TreeSet<Integer> indices = new TreeSet<>();
        for (String k : w.keys()) {
            Matcher m = p.matcher(k);
            if (m.find()) indices.add(Integer.parseInt(m.group(1)));
        }
        return indices.isEmpty() ? -1 : indices.last();
    }
}
