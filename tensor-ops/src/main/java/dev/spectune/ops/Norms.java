/*
 * Norms: GroupNorm and LayerNorm with epsilon, mirroring torch.nn.GroupNorm and torch.nn.LayerNorm.
 *
 * ND4J M2.1 has no GroupNorm op, its layerNorm has no epsilon, and variance(biasCorrected=false)
 * has a gradient off by N/(N−1). Both norms are therefore composed from mean, subtract, square
 * and rsqrt, whose gradients are right: var = mean((x − mean)²), the biased estimator torch uses.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Norms {
    private Norms() {}

    /**
     * GroupNorm over channel groups.
     *
     * @param x     [B, C, *spatial] (rank ≥ 2)
     * @param gamma [C] (the checkpoint's "weight"), or null
     * @param beta  [C] (the checkpoint's "bias"), or null
     * @return [B, C, *spatial]
     */
    public static SDVariable groupNorm(SameDiff sd, SDVariable x, int groups, double eps,
                                       SDVariable gamma, SDVariable beta, int rank) {
        SDVariable grouped = Shapes.reshape(sd, x, Shapes.dims(sd, x, 0, 1), Shapes.fixed(sd, groups, -1)); // [B, G, C/G·HW]
        SDVariable mean = grouped.mean(true, 2);                                                           // [B, G, 1]
        SDVariable centered = grouped.sub(mean);                                                           // [B, G, C/G·HW]
        SDVariable variance = centered.mul(centered).mean(true, 2);                                        // [B, G, 1]
        SDVariable normalized = centered.mul(sd.math().rsqrt(variance.add(eps)));                          // [B, G, C/G·HW]
        SDVariable y = sd.reshape(normalized, Shapes.of(sd, x));                                            // [B, C, *spatial]
        long[] affineShape = new long[rank];
        java.util.Arrays.fill(affineShape, 1);
        affineShape[1] = -1;                                                                               // [1, C, 1, 1]
        if (gamma != null) y = y.mul(gamma.reshape(affineShape));
        if (beta != null) y = y.add(beta.reshape(affineShape));
        return y;
    }

    /**
     * LayerNorm over the last dimension. (ND4J M2.1 reductions ignore negative axes, so x is
     * flattened to [N, D] and normalised along axis 1.)
     *
     * @param x     [..., D]
     * @param dim   D
     * @param gamma [D], or null
     * @param beta  [D], or null
     * @return [..., D]
     */
    public static SDVariable layerNorm(SameDiff sd, SDVariable x, long dim, double eps, SDVariable gamma, SDVariable beta) {
        SDVariable rows = Shapes.reshape(sd, x, Shapes.fixed(sd, -1, dim));       // [N, D]
        SDVariable mean = rows.mean(true, 1);                                      // [N, 1]
        SDVariable centered = rows.sub(mean);                                      // [N, D]
        SDVariable variance = centered.mul(centered).mean(true, 1);                // [N, 1]
        SDVariable y = centered.mul(sd.math().rsqrt(variance.add(eps)));           // [N, D]
        if (gamma != null) y = y.mul(gamma);
        if (beta != null) y = y.add(beta);
        return sd.reshape(y, Shapes.of(sd, x));                                    // [..., D]
    }
}
