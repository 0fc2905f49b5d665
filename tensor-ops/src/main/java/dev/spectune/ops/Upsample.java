/*
 * Upsample: nearest-neighbour upsampling of NCHW activations, mirroring F.interpolate(mode="nearest")
 * in diffusers' Upsample2D — by 2, or to an explicit size (the UNet passes the skip connection's
 * size when the latent is not divisible by 2^levels).
 *
 * ND4J M2.1's one-argument upsampling2d is wrong; the explicit (scaleH, scaleW, nchw) form is used
 * for exact doubling. Other sizes use torch's nearest rule, source index ⌊i·in/out⌋, written as
 * multiplication by 0/1 selection matrices (gather's gradient is wrong for repeated indices).
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Upsample {
    private Upsample() {}

    /**
     * @param x [B, C, H, W]
     * @return [B, C, 2H, 2W]
     */
    public static SDVariable nearest2x(SameDiff sd, SDVariable x) {
        return sd.cnn().upsampling2d(x, 2, 2, true);
    }

    /**
     * @param x [B, C, inH, inW] (sizes given, as the graph is built for fixed sizes)
     * @return [B, C, outH, outW]
     */
    public static SDVariable nearest(SameDiff sd, SDVariable x, int inH, int inW, int outH, int outW, DataType type) {
        if (outH == inH && outW == inW) return x;
        if (outH == 2 * inH && outW == 2 * inW) return nearest2x(sd, x);
        SDVariable b = Shapes.dims(sd, x, 0, 1), c = Shapes.dims(sd, x, 1, 2);
        SDVariable sw = sd.constant(selection(inW, outW, type));                                      // [inW, outW]
        SDVariable sh = sd.constant(selection(inH, outH, type));                                      // [inH, outH]
        SDVariable y = sd.mmul(sd.reshape(x, -1, inW), sw);                                           // [B·C·inH, outW]
        y = Shapes.reshape(sd, y, b, c, Shapes.fixed(sd, inH, outW));                                 // [B, C, inH, outW]
        y = sd.permute(y, 0, 1, 3, 2);                                                                // [B, C, outW, inH]
        y = sd.mmul(sd.reshape(y, -1, inH), sh);                                                      // [B·C·outW, outH]
        y = Shapes.reshape(sd, y, b, c, Shapes.fixed(sd, outW, outH));                                // [B, C, outW, outH]
        return sd.permute(y, 0, 1, 3, 2);                                                             // [B, C, outH, outW]
    }

    /** S[i, j] = 1 when output j reads input i = ⌊j·in/out⌋. */
    static INDArray selection(int in, int out, DataType type) {
        INDArray s = Nd4j.zeros(type, in, out);
        for (int j = 0; j < out; j++) s.putScalar((long) Math.floor((double) j * in / out), j, 1.0);
        return s;
    }
}
