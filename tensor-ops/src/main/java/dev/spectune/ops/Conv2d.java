/*
 * Conv2d: 2-D convolution of NCHW activations, mirroring torch.nn.Conv2d (stride, zero padding,
 * groups; dilation 1).
 *
 * ND4J M2.1 computes conv2d backprop correctly only for weights laid out [kH, kW, in, out]
 * (WeightsFormat.YXIO), so PyTorch's OIHW weights are permuted once, at import, by
 * {@link #oihwToYxio}. SameDiff's conv has no groups: grouped convolution slices the channels and
 * concatenates per-group results.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

public final class Conv2d {
    private Conv2d() {}

    /** PyTorch [out, in/groups, kH, kW] to SameDiff's [kH, kW, in/groups, out], as a new c-order array. */
    public static INDArray oihwToYxio(INDArray oihw) {
        if (oihw.rank() != 4) {
            throw new IllegalArgumentException("conv weight must be rank 4 [out,in,kH,kW], found shape "
                    + java.util.Arrays.toString(oihw.shape()));
        }
        return oihw.permute(2, 3, 1, 0).dup('c');
    }

    /** SameDiff's [kH, kW, in/groups, out] back to PyTorch's [out, in/groups, kH, kW]. */
    public static INDArray yxioToOihw(INDArray yxio) {
        return yxio.permute(3, 2, 0, 1).dup('c');
    }

    /**
     * @param x      [B, in, H, W]
     * @param weight [kH, kW, in/groups, out] (see {@link #oihwToYxio})
     * @param bias   [out], or null
     * @return [B, out, H', W'] with H' = (H + 2·padding − kH)/stride + 1
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias,
                                   int stride, int padding, int groups) {
        long[] w = weight.getShape();
        if (groups == 1) return single(sd, x, weight, bias, w, stride, padding);
        long inPerGroup = w[2];
        long outPerGroup = w[3] / groups;
        SDVariable[] parts = new SDVariable[groups];
        for (int g = 0; g < groups; g++) {
            SDVariable xg = x.get(SDIndex.all(), SDIndex.interval(g * inPerGroup, (g + 1) * inPerGroup));   // [B, in/g, H, W]
            SDVariable wg = weight.get(SDIndex.all(), SDIndex.all(), SDIndex.all(),
                    SDIndex.interval(g * outPerGroup, (g + 1) * outPerGroup));                          // [kH, kW, in/g, out/g]
            SDVariable bg = bias == null ? null : bias.get(SDIndex.interval(g * outPerGroup, (g + 1) * outPerGroup));
            parts[g] = single(sd, xg, wg, bg, new long[] {w[0], w[1], inPerGroup, outPerGroup}, stride, padding);
        }
        return sd.concat(1, parts);                                                                      // [B, out, H', W']
    }

    private static SDVariable single(SameDiff sd, SDVariable x, SDVariable weight, SDVariable bias,
                                     long[] w, int stride, int padding) {
        Conv2DConfig config = Conv2DConfig.builder()
                .kH(w[0]).kW(w[1]).sH(stride).sW(stride).pH(padding).pW(padding).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID)
                .dataFormat(Conv2DConfig.NCHW)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
        return bias == null ? sd.cnn().conv2d(x, weight, config) : sd.cnn().conv2d(x, weight, bias, config);
    }
}
