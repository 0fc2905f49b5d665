/*
 * LoraFactors: the low-rank pair LoRA and DoRA share, named as peft names them — lora_A.weight
 * [r, in] drawn from U(−1/√in, 1/√in) (peft's kaiming_uniform with a = √5) and lora_B.weight
 * [out, r] = 0 — and their scaled product s·B·A [out, in].
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

record LoraFactors(AdapterParameter a, AdapterParameter b, SDVariable product) {

    static LoraFactors create(SameDiff sd, String key, INDArray w0, Lora.Options o) {
        long out = w0.rows(), in = w0.columns();
        Nd4j.getRandom().setSeed(o.seed() + key.hashCode());
        double bound = 1 / Math.sqrt(in);
        INDArray a0 = Nd4j.rand(w0.dataType(), o.rank(), in).muli(2 * bound).subi(bound);
        SDVariable a = sd.var(Names.param(key, "lora_A.weight"), a0);                                     // [r, in]
        SDVariable b = sd.var(Names.param(key, "lora_B.weight"), Nd4j.zeros(w0.dataType(), out, o.rank())); // [out, r]
        return new LoraFactors(new AdapterParameter(a.name(), a, ParamKind.EUCLIDEAN), new AdapterParameter(b.name(), b, ParamKind.EUCLIDEAN),
                b.mmul(a).mul(o.scale()));                                                                 // [out, in]
    }
}
