/*
 * Attention: scaled-dot-product multi-head attention on already projected q, k, v, mirroring
 * torch.nn.functional.scaled_dot_product_attention as diffusers' AttnProcessor and transformers'
 * CLIPAttention call it (scale 1/√d, heads split from the channel dim, optional additive mask).
 *
 * ND4J M2.1's batchMmul returns b·a and rank-4 matmul is untested, so heads are folded into the
 * batch ([B·h, T, d], diffusers' head_to_batch_dim) and multiplied as rank-3 matmuls.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Attention {
    private Attention() {}

    /**
     * @param q     [B, Tq, C]
     * @param k     [B, Tk, C]
     * @param v     [B, Tk, C]
     * @param heads number of heads h, with C = h·d
     * @param mask  additive mask broadcastable to [B·h, Tq, Tk] (e.g. {@link #causalMask}), or null
     * @return [B, Tq, C]
     */
    public static SDVariable scaledDotProduct(SameDiff sd, SDVariable q, SDVariable k, SDVariable v,
                                              int heads, long channels, SDVariable mask) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException("channels " + channels + " not divisible by heads " + heads);
        }
        long headDim = channels / heads;
        SDVariable qh = splitHeads(sd, q, heads, headDim);                               // [B·h, Tq, d]
        SDVariable kh = splitHeads(sd, k, heads, headDim);                               // [B·h, Tk, d]
        SDVariable vh = splitHeads(sd, v, heads, headDim);                               // [B·h, Tk, d]
        SDVariable scores = sd.mmul(qh, kh, false, true, false).mul(1.0 / Math.sqrt(headDim)); // [B·h, Tq, Tk]
        if (mask != null) scores = scores.add(mask);
        SDVariable probs = sd.nn().softmax(scores, 2);                                   // [B·h, Tq, Tk]
        SDVariable out = sd.mmul(probs, vh);                                             // [B·h, Tq, d]
        return mergeHeads(sd, out, q, heads, channels);                                  // [B, Tq, C]
    }

    /** [B, T, h·d] to [B·h, T, d]. */
    private static SDVariable splitHeads(SameDiff sd, SDVariable x, int heads, long headDim) {
        SDVariable bt = Shapes.dims(sd, x, 0, 2);                                        // [B, T]
        SDVariable split = Shapes.reshape(sd, x, bt, Shapes.fixed(sd, heads, headDim));  // [B, T, h, d]
        SDVariable perm = sd.permute(split, 0, 2, 1, 3);                                 // [B, h, T, d]
        return Shapes.reshape(sd, perm, Shapes.fixed(sd, -1), Shapes.dims(sd, x, 1, 2), Shapes.fixed(sd, headDim)); // [B·h, T, d]
    }

    /** [B·h, Tq, d] back to [B, Tq, h·d]; {@code like} is the [B, Tq, C] query input. */
    private static SDVariable mergeHeads(SameDiff sd, SDVariable x, SDVariable like, int heads, long channels) {
        SDVariable b = Shapes.dims(sd, like, 0, 1);                                      // [1] = B
        SDVariable t = Shapes.dims(sd, like, 1, 2);                                      // [1] = Tq
        SDVariable split = Shapes.reshape(sd, x, b, Shapes.fixed(sd, heads), t, Shapes.fixed(sd, channels / heads)); // [B, h, Tq, d]
        SDVariable perm = sd.permute(split, 0, 2, 1, 3);                                 // [B, Tq, h, d]
        return Shapes.reshape(sd, perm, b, t, Shapes.fixed(sd, channels));               // [B, Tq, C]
    }

    /**
     * The causal mask CLIP's text encoder adds to its scores: 0 on and below the diagonal, the
     * dtype's most negative finite value above it (as transformers' _create_4d_causal_attention_mask).
     *
     * @return [T, T] constant
     */
    public static SDVariable causalMask(SameDiff sd, String name, int length, DataType type) {
        double minValue = type == DataType.DOUBLE ? -Double.MAX_VALUE : -Float.MAX_VALUE;
        INDArray mask = Nd4j.zeros(type, length, length);
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j < length; j++) mask.putScalar(i, j, minValue);
        }
        return sd.constant(name, mask);
    }
}
