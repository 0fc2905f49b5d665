/*
 * Full: full fine-tuning of the selected weights, DreamBooth's own setting (Ruiz et al. 2023) and
 * the baseline row of the PEFT papers' tables, as a method like the others: W = W0 + Δ with Δ a
 * trainable [out, in] starting at 0, so the gradient and the AdamW moments of Δ are those of W,
 * and the adapter file holds the change Δ = W − W0 that a merge adds back. One difference from
 * training W itself: AdamW's decoupled weight decay pulls Δ toward 0, i.e. W toward W0, not toward
 * 0 (with `train`'s default decay the two differ by lr·λ·W0 per step). Parameters: out·in.
 * Select the weights with --targets (".*" adapts every linear and conv weight of the UNet).
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Full {
    private Full() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0) {
        SDVariable delta = sd.var(Names.param(key, "full_delta"), Nd4j.zeros(w0.dataType(), w0.rows(), w0.columns()));   // [out, in]
        SDVariable w = sd.constant(Names.param(key, "full_base"), w0).add(delta);                                      // [out, in]
        return new AdaptedWeight(key, "full", w, List.of(new AdapterParameter(delta.name(), delta, ParamKind.EUCLIDEAN)), w0);
    }

    /** Full fine-tuning has no settings. */
    public record Config() {}

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "full"; }
        public double stateBytesPerWeightByte() { return 1; }                 // the weight W0 + Δ formed each step (Δ itself is a parameter)
        public String peftType() { return "SPECTUNE_FULL"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0);
        }

        public long parameters(Config c, String key, long out, long in) { return out * in; }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("full", new Config()); }
    };
}
