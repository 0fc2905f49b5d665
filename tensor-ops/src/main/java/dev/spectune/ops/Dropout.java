/*
 * Dropout: torch.nn.Dropout semantics. At eval it is the identity; in training each element is
 * zeroed with probability p and survivors are scaled by 1/(1−p) (inverted dropout), so the
 * expectation is unchanged.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Dropout {
    private Dropout() {}

    /**
     * @param x        any shape
     * @param p        probability of zeroing an element, in [0, 1)
     * @param training false: identity
     * @return same shape as x
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, double p, boolean training) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        if (!training || p == 0) return x;
        SDVariable uniform = sd.random().uniform(0.0, 1.0, x.dataType(), x.getShape());     // same shape as x
        SDVariable keep = uniform.gte(p).castTo(x.dataType());                              // 1 with probability 1−p
        return x.mul(keep).mul(1.0 / (1.0 - p));
    }
}
