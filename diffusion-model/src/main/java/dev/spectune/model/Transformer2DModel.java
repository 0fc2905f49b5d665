/*
 * Transformer2DModel: diffusers' Transformer2DModel for continuous inputs (transformer_2d.py)
 * with BasicTransformerBlock, Attention (AttnProcessor semantics) and the GEGLU FeedForward
 * (attention.py), as Stable Diffusion 1.x/2.x use them.
 *
 *   h = proj_in(GroupNorm(x, eps 1e-6)) → tokens [B, HW, C]   (1x1 conv, or linear for SD 2.x)
 *   per block: h += attn1(norm1(h)); h += attn2(norm2(h), context); h += ff(norm3(h))
 *   out = proj_out(h) back to [B, C, H, W] + x
 * Attention: to_q/to_k/to_v without bias, to_out.0 with bias, heads of C/heads channels.
 */
package dev.spectune.model;

import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import dev.spectune.ops.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

final class Transformer2DModel {
    private Transformer2DModel() {}

    /**
     * @param x       [B, C, H, W]
     * @param context [B, T, crossDim] (encoder hidden states)
     * @return [B, C, H, W]
     */
    static SDVariable apply(ModelGraph g, WeightBinder w, String p, SDVariable x, SDVariable context, int c, int heads,
                            int crossDim, int groups, boolean linearProjection, int depth) {
        SameDiff sd = w.sd();
        SDVariable h = Norms.groupNorm(sd, x, groups, 1e-6, w.param(p + "norm.weight", c), w.param(p + "norm.bias", c), 4);
        if (!linearProjection) h = Conv2d.apply(sd, h, w.conv(p + "proj_in.weight", c, c, 1), w.param(p + "proj_in.bias", c), 1, 0, 1);
        h = Shapes.reshape(sd, sd.permute(h, 0, 2, 3, 1), Shapes.dims(sd, x, 0, 1), Shapes.fixed(sd, -1, c));   // [B, HW, C]
        if (linearProjection) h = Linear.apply(sd, h, w.param(p + "proj_in.weight", c, c), w.param(p + "proj_in.bias", c));

        for (int b = 0; b < depth; b++) {
            String t = p + "transformer_blocks." + b + ".";
            SDVariable n1 = Norms.layerNorm(sd, h, c, 1e-5, w.param(t + "norm1.weight", c), w.param(t + "norm1.bias", c));
            h = g.checkpoint(h.add(g.tap(t + "attn1", attention(w, t + "attn1.", n1, n1, c, c, heads))));   // finer than diffusers' one segment per block
            SDVariable n2 = Norms.layerNorm(sd, h, c, 1e-5, w.param(t + "norm2.weight", c), w.param(t + "norm2.bias", c));
            h = g.checkpoint(h.add(g.tap(t + "attn2", attention(w, t + "attn2.", n2, context, c, crossDim, heads))));
            SDVariable n3 = Norms.layerNorm(sd, h, c, 1e-5, w.param(t + "norm3.weight", c), w.param(t + "norm3.bias", c));
            SDVariable ff = Activations.geglu(sd, n3, w.param(t + "ff.net.0.proj.weight", 8L * c, c), w.param(t + "ff.net.0.proj.bias", 8L * c)); // [B, HW, 4C]
            h = g.checkpoint(h.add(Linear.apply(sd, ff, w.param(t + "ff.net.2.weight", c, 4L * c), w.param(t + "ff.net.2.bias", c))));
        }

        if (linearProjection) h = Linear.apply(sd, h, w.param(p + "proj_out.weight", c, c), w.param(p + "proj_out.bias", c));
        h = Shapes.reshape(sd, h, Shapes.dims(sd, x, 0, 1), Shapes.dims(sd, x, 2, 4), Shapes.fixed(sd, c));     // [B, H, W, C]
        h = sd.permute(h, 0, 3, 1, 2);                                                                            // [B, C, H, W]
        if (!linearProjection) h = Conv2d.apply(sd, h, w.conv(p + "proj_out.weight", c, c, 1), w.param(p + "proj_out.bias", c), 1, 0, 1);
        return g.checkpoint(h.add(x));
    }

    /** diffusers' Attention: q from x, k and v from context, multi-head SDPA, to_out.0. */
    static SDVariable attention(WeightBinder w, String p, SDVariable x, SDVariable context, int c, int contextDim, int heads) {
        SameDiff sd = w.sd();
        SDVariable q = Linear.apply(sd, x, w.param(p + "to_q.weight", c, c), null);                   // [B, N, C]
        SDVariable k = Linear.apply(sd, context, w.param(p + "to_k.weight", c, contextDim), null);    // [B, T, C]
        SDVariable v = Linear.apply(sd, context, w.param(p + "to_v.weight", c, contextDim), null);    // [B, T, C]
        SDVariable a = Attention.scaledDotProduct(sd, q, k, v, heads, c, null);                        // [B, N, C]
        return Linear.apply(sd, a, w.param(p + "to_out.0.weight", c, c), w.param(p + "to_out.0.bias", c));
    }
}
