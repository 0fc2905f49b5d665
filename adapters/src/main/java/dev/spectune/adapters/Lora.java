/*
 * Lora: low-rank adaptation (Hu et al. 2021) as peft's LoraLayer: W = W0 + s·B·A with A [r, in]
 * drawn from U(−1/√in, 1/√in) (kaiming_uniform, a = √5), B [out, r] = 0, and s = α/r — or α/√r with
 * rsLoRA (Kalajdzievski 2023). Parameters: r·(in + out).
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        long out = w0.rows(), in = w0.columns();
        Nd4j.getRandom().setSeed(o.seed() + key.hashCode());
        double bound = 1 / Math.sqrt(in);
        INDArray a0 = Nd4j.rand(w0.dataType(), o.rank(), in).muli(2 * bound).subi(bound);
        SDVariable a = sd.var(Names.param(key, "lora_A.weight"), a0);                                 // [r, in]
        SDVariable b = sd.var(Names.param(key, "lora_B.weight"), Nd4j.zeros(w0.dataType(), out, o.rank())); // [out, r]
        SDVariable w = sd.constant(Names.param(key, "lora_base"), w0).add(b.mmul(a).mul(o.scale()));
        return new AdaptedWeight(key, "lora", w, List.of(new AdapterParameter(a.name(), a, ParamKind.EUCLIDEAN),
                new AdapterParameter(b.name(), b, ParamKind.EUCLIDEAN)), w0);
    }
}
