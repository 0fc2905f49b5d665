/*
 * ResnetBlock2D: diffusers' ResnetBlock2D (resnet.py) with the default time-embedding injection
 * ("default" norm, output_scale_factor 1), shared by the UNet (with a time embedding) and the VAE
 * (without).
 *
 *   h = conv1(silu(norm1(x)));  h += time_emb_proj(silu(temb))[:, :, None, None]
 *   h = conv2(dropout(silu(norm2(h))));  return shortcut(x) + h
 * shortcut is the 1x1 conv_shortcut when in ≠ out, else the identity.
 */
package dev.spectune.model;

import dev.spectune.ops.Activations;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

final class ResnetBlock2D {
    private ResnetBlock2D() {}

    /**
     * @param x    [B, in, H, W]
     * @param temb [B, tembDim] or null (VAE)
     * @return [B, out, H, W]
     */
    static SDVariable apply(WeightBinder w, String p, SDVariable x, SDVariable temb, int in, int out,
                            int groups, double eps, int tembDim) {
        SameDiff sd = w.sd();
        SDVariable h = Norms.groupNorm(sd, x, groups, eps, w.param(p + "norm1.weight", in), w.param(p + "norm1.bias", in), 4);
        h = Conv2d.apply(sd, Activations.silu(sd, h), w.conv(p + "conv1.weight", out, in, 3), w.param(p + "conv1.bias", out), 1, 1, 1);
        if (temb != null) {
            SDVariable t = Linear.apply(sd, Activations.silu(sd, temb), w.param(p + "time_emb_proj.weight", out, tembDim),
                    w.param(p + "time_emb_proj.bias", out));                                        // [B, out]
            h = h.add(sd.reshape(t, -1, out, 1, 1));                                                // [B, out, H, W]
        }
        h = Norms.groupNorm(sd, h, groups, eps, w.param(p + "norm2.weight", out), w.param(p + "norm2.bias", out), 4);
        h = Conv2d.apply(sd, Activations.silu(sd, h), w.conv(p + "conv2.weight", out, out, 3), w.param(p + "conv2.bias", out), 1, 1, 1);
        SDVariable shortcut = in == out ? x
                : Conv2d.apply(sd, x, w.conv(p + "conv_shortcut.weight", out, in, 1), w.param(p + "conv_shortcut.bias", out), 1, 0, 1);
        return shortcut.add(h);
    }
}
