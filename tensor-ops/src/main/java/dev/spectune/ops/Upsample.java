/*
 * Upsample: nearest-neighbour 2x upsampling of NCHW activations, mirroring
 * F.interpolate(x, scale_factor=2.0, mode="nearest") in diffusers' Upsample2D.
 *
 * ND4J M2.1's one-argument upsampling2d is wrong; the explicit (scaleH, scaleW, nchw) form is used.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Upsample {
    private Upsample() {}

    /**
     * @param x [B, C, H, W]
     * @return [B, C, 2H, 2W]
     */
    public static SDVariable nearest2x(SameDiff sd, SDVariable x) {
        return sd.cnn().upsampling2d(x, 2, 2, true);
    }
}
