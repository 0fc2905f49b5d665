/*
 * Linear: y = x Wᵀ + b with PyTorch's weight layout, mirroring torch.nn.Linear.
 *
 * ND4J M2.1 defects routed around: nn.linear is wrong above rank 2 and rank-3 x rank-2 mmul is
 * wrong, so any input is flattened to [N, in], multiplied as a rank-2 matmul with the transposed
 * weight, and reshaped back.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Linear {
    private Linear() {}

    /**
     * @param x      [..., in]
     * @param weight [out, in] (PyTorch layout)
     * @param bias   [out], or null
     * @return [..., out]
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias) {
        long[] shape = weight.getShape();
        if (shape == null || shape.length != 2) {
            throw new IllegalArgumentException("linear weight '" + weight.name() + "' must be rank 2 [out, in]; use the"
                    + " overload with explicit sizes for computed weights");
        }
        return apply(sd, x, weight, bias, shape[1], shape[0]);
    }

    /** As {@link #apply(SameDiff, SDVariable, SDVariable, SDVariable)} for a computed weight whose static shape is unknown. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias, long in, long out) {
        SDVariable flat = Shapes.reshape(sd, x, Shapes.fixed(sd, -1, in));            // [N, in]
        SDVariable y = sd.mmul(flat, weight, false, true, false);                      // [N, out]
        if (bias != null) y = y.add(bias);                                             // [N, out]
        SDVariable leading = Shapes.dims(sd, x, 0, -1);                                // [rank-1]
        return Shapes.reshape(sd, y, leading, Shapes.fixed(sd, out));                  // [..., out]
    }
}
