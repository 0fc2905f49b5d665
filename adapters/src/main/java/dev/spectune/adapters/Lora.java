/*
 * Lora: low-rank adaptation (Hu et al. 2021) as peft's LoraLayer: W = W0 + s·B·A with A [r, in]
 * drawn from U(−1/√in, 1/√in) (kaiming_uniform, a = √5), B [out, r] = 0, and s = α/r — or α/√r with
 * rsLoRA (Kalajdzievski 2023). Parameters: r·(in + out).
 */
package dev.spectune.adapters;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class Lora {
    private Lora() {}

    public record Options(int rank, double alpha, boolean rsLora, long seed) {
        public Options {
            if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        }

        public double scale() {
            return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o) {
        LoraFactors f = LoraFactors.create(sd, key, w0, o);
        SDVariable w = sd.constant(Names.param(key, "lora_base"), w0).add(f.product());          // [out, in]
        return new AdaptedWeight(key, "lora", w, List.of(f.a(), f.b()), w0);
    }
}
