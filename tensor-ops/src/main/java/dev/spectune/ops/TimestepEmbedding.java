/*
 * TimestepEmbedding: the sinusoidal embedding of diffusion timesteps, mirroring diffusers'
 * get_timestep_embedding (embeddings.py) including flip_sin_to_cos and downscale_freq_shift.
 *
 *   half = dim / 2
 *   freq_j = exp(−ln(max_period) · j / (half − downscale_freq_shift)),  j = 0..half−1
 *   emb = [sin(scale · t · freq), cos(scale · t · freq)]   (or [cos, sin] when flipped)
 *   an odd dim is padded with one zero column at the end.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

public final class TimestepEmbedding {
    private TimestepEmbedding() {}

    /** diffusers' defaults for max_period and scale. */
    public static final double MAX_PERIOD = 10000.0;

    /** The frequencies freq_j, j = 0..dim/2−1, in double. */
    public static double[] frequencies(int dim, double downscaleFreqShift, double maxPeriod) {
        int half = dim / 2;
        double[] freqs = new double[half];
        for (int j = 0; j < half; j++) {
            freqs[j] = Math.exp(-Math.log(maxPeriod) * j / (half - downscaleFreqShift));
        }
        return freqs;
    }

    /**
     * @param timesteps [B] (any float type; cast to {@code type})
     * @return [B, dim]
     */
    public static SDVariable sinusoidal(SameDiff sd, SDVariable timesteps, int dim, boolean flipSinToCos,
                                        double downscaleFreqShift, double scale, double maxPeriod, DataType type) {
        int half = dim / 2;
        SDVariable freqs = sd.constant(Nd4j.createFromArray(frequencies(dim, downscaleFreqShift, maxPeriod))
                .castTo(type).reshape(1, half));                                           // [1, half]
        SDVariable t = sd.reshape(timesteps.castTo(type), -1, 1);                            // [B, 1]
        SDVariable args = t.mul(freqs).mul(scale);                                          // [B, half]
        SDVariable sin = sd.math().sin(args);                                               // [B, half]
        SDVariable cos = sd.math().cos(args);                                               // [B, half]
        SDVariable emb = flipSinToCos ? sd.concat(1, cos, sin) : sd.concat(1, sin, cos);     // [B, 2·half]
        if (dim % 2 == 1) emb = sd.concat(1, emb, sd.zerosLike(t));                          // [B, dim]
        return emb;
    }
}
