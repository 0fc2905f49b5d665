/*
 * Channels: concatenation along the channel dim, as torch.cat([a, b], dim=1) in diffusers' up
 * blocks (the UNet skip connections).
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

public final class Channels {
    private Channels() {}

    /**
     * @param parts each [B, C_i, *spatial] with equal B and spatial dims
     * @return [B, ΣC_i, *spatial]
     */
    public static SDVariable concat(SameDiff sd, SDVariable... parts) {
        return sd.concat(1, parts);
    }
}
