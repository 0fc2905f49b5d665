/*
 * TimestepEmbedding: the sinusoidal embedding of diffusion timesteps, mirroring diffusers'
 * get_timestep_embedding (embeddings.py) including flip_sin_to_cos and downscale_freq_shift.
 *
 *   half = dim / 2
 *   freq_j = exp(−ln(max_period) · j / (half − downscale_freq_shift)),  j = 0..half−1
 *   emb = [sin(scale · t · freq), cos(scale · t · freq)]   (or [cos, sin] when flipped)
 *   an odd dim is padded with one zero column at the end.
 *
 * diffusers computes this in float32 whatever the model's dtype (torch.arange(..., float32),
 * timesteps.float()), then casts: {@link #sinusoidal} does the same, so a float64 model run matches
 * diffusers' float64 run. {@link #sinusoidalExact} is the same formula carried out in the graph's
 * own type (used to check gradients in float64).
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

    /** The frequencies as diffusers computes them: exponent and torch's exp, in float32. */
    public static float[] frequenciesFloat32(int dim, double downscaleFreqShift, double maxPeriod) {
        int half = dim / 2;
        float[] freqs = new float[half];
        float logPeriod = (float) -Math.log(maxPeriod);
        float denominator = (float) (half - downscaleFreqShift);
        for (int j = 0; j < half; j++) {
            float exponent = logPeriod * (float) j / denominator;
            freqs[j] = TorchExpFloat32.exp(exponent);
        }
        return freqs;
    }

    /**
     * diffusers' semantics: computed in float32, returned as {@code type}.
     *
     * @param timesteps [B] (any float type)
     * @return [B, dim]
     */
    public static SDVariable sinusoidal(SameDiff sd, SDVariable timesteps, int dim, boolean flipSinToCos,
                                        double downscaleFreqShift, double scale, double maxPeriod, DataType type) {
        SDVariable freqs = sd.constant(Nd4j.createFromArray(frequenciesFloat32(dim, downscaleFreqShift, maxPeriod)).reshape(1, dim / 2));
        SDVariable emb = build(sd, timesteps, dim, flipSinToCos, scale, freqs, DataType.FLOAT);
        return type == DataType.FLOAT ? emb : emb.castTo(type);
    }

    /**
     * The same formula in the graph's own type throughout (no float32 rounding).
     *
     * @param timesteps [B] (any float type; cast to {@code type})
     * @return [B, dim]
     */
    public static SDVariable sinusoidalExact(SameDiff sd, SDVariable timesteps, int dim, boolean flipSinToCos,
                                             double downscaleFreqShift, double scale, double maxPeriod, DataType type) {
        SDVariable freqs = sd.constant(Nd4j.createFromArray(frequencies(dim, downscaleFreqShift, maxPeriod))
                .castTo(type).reshape(1, dim / 2));
        return build(sd, timesteps, dim, flipSinToCos, scale, freqs, type);
    }

    private static SDVariable build(SameDiff sd, SDVariable timesteps, int dim, boolean flipSinToCos, double scale,
                                    SDVariable freqs, DataType type) {
        SDVariable t = sd.reshape(timesteps.castTo(type), -1, 1);                            // [B, 1]
        SDVariable args = t.mul(freqs).mul(scale);                                          // [B, half]
        SDVariable sin, cos;
        if (type == DataType.FLOAT) {
            // Evaluated in double and rounded once: the correctly rounded float32 sine, within an
            // ulp of torch's (arguments reach ~1000 rad, where float32 kernels differ most).
            SDVariable wide = args.castTo(DataType.DOUBLE);
            sin = sd.math().sin(wide).castTo(DataType.FLOAT);                               // [B, half]
            cos = sd.math().cos(wide).castTo(DataType.FLOAT);                               // [B, half]
        } else {
            sin = sd.math().sin(args);                                                      // [B, half]
            cos = sd.math().cos(args);                                                      // [B, half]
        }
        SDVariable emb = flipSinToCos ? sd.concat(1, cos, sin) : sd.concat(1, sin, cos);     // [B, 2·half]
        if (dim % 2 == 1) emb = sd.concat(1, emb, sd.zerosLike(t));                          // [B, dim]
        return emb;
    }
}
