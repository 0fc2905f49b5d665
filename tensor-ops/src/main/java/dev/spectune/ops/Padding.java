/*
 * Padding: constant zero padding of the two spatial dims of NCHW activations, as F.pad(x, (left,
 * right, top, bottom)) — diffusers' Downsample2D pads (0, 1, 0, 1) before its stride-2 conv when
 * padding=0 (the VAE encoder).
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.factory.Nd4j;

public final class Padding {
    private Padding() {}

    /**
     * @param x [B, C, H, W]
     * @return [B, C, H + top + bottom, W + left + right]
     */
    public static SDVariable zeroPad2d(SameDiff sd, SDVariable x, int left, int right, int top, int bottom) {
        SDVariable pads = sd.constant(Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {top, bottom}, {left, right}}));
        return sd.nn().pad(x, pads, PadMode.CONSTANT, 0.0);
    }
}
