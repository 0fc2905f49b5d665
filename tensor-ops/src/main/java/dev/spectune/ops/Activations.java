/*
 * Activations: exact GELU, GEGLU, quick-GELU, SiLU, ReLU, TAESD's tanh clamp and softmax, mirroring
 * torch.nn.functional.gelu (approximate='none'), diffusers' GEGLU, transformers' QuickGELUActivation,
 * F.silu, F.relu and taesd.py's Clamp.
 *
 * ND4J M2.1's nn.gelu is the sigmoid approximation and preciseGelu is wrong, so exact GELU is
 * built from erf: gelu(x) = x·½·(1 + erf(x/√2)).
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Activations {
    private Activations() {}

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    /** Exact GELU, elementwise. */
    public static SDVariable gelu(SameDiff sd, SDVariable x) {
        SDVariable cdf = sd.math().erf(x.mul(INV_SQRT2)).add(1.0).mul(0.5);
        return x.mul(cdf);
    }

    /** CLIP's quick_gelu: x·sigmoid(1.702·x), elementwise. */
    public static SDVariable quickGelu(SameDiff sd, SDVariable x) {
        return x.mul(sd.nn().sigmoid(x.mul(1.702)));
    }

    /** SiLU (swish): x·sigmoid(x), elementwise. */
    public static SDVariable silu(SameDiff sd, SDVariable x) {
        return x.mul(sd.nn().sigmoid(x));
    }

    /** ReLU: max(x, 0), elementwise (TAESD's blocks). */
    public static SDVariable relu(SameDiff sd, SDVariable x) {
        return sd.nn().relu(x, 0.0);
    }

    /** TAESD's Clamp: tanh(x / limit)·limit, a smooth clamp to (−limit, limit). */
    public static SDVariable softClamp(SameDiff sd, SDVariable x, double limit) {
        return sd.math().tanh(x.div(limit)).mul(limit);
    }

    /** Softmax along {@code dimension} (negative counts from the end). */
    public static SDVariable softmax(SameDiff sd, SDVariable x, int dimension) {
        return sd.nn().softmax(x, dimension);
    }

    /**
     * diffusers' GEGLU: a linear projection to 2·D, split into hidden and gate halves,
     * hidden · gelu(gate). As diffusers does, the projection's output is split (columns [0,D) and
     * [D,2D)), not the weight: slicing the weight copied it every step (SD-1.5: 396 MB of copies,
     * held until backward). The halves are unstacked from [N, 2, D]: ND4J M2.1's strided_slice_bp
     * crashes on a [1, 2D] input (SD-1.5's mid block at 64 px).
     *
     * @param x      [..., in]
     * @param weight [2·D, in]
     * @param bias   [2·D], or null
     * @return [..., D]
     */
    public static SDVariable geglu(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias) {
        long d = weight.getShape()[0] / 2;
        long in = weight.getShape()[1];
        SDVariable flat = Shapes.reshape(sd, x, Shapes.fixed(sd, -1, in));                     // [N, in]
        SDVariable proj = sd.mmul(flat, weight, false, true, false);                            // [N, 2D]
        if (bias != null) proj = proj.add(bias);                                                // [N, 2D]
        SDVariable[] halves = sd.unstack(Shapes.reshape(sd, proj, Shapes.fixed(sd, -1, 2, d)), 1, 2); // 2 x [N, D]
        SDVariable hidden = halves[0], gate = halves[1];                                         // [N, D] each
        SDVariable out = hidden.mul(gelu(sd, gate));                                            // [N, D]
        return Shapes.reshape(sd, out, Shapes.dims(sd, x, 0, -1), Shapes.fixed(sd, d));         // [..., D]
    }
}
