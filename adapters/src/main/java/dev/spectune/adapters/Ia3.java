/*
 * Ia3: (IA)³, infused adapter by inhibiting and amplifying inner activations (Liu et al. 2022,
 * "Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than In-Context Learning"), as
 * peft's IA3Layer: a learned vector l = 1 at init scales
 *
 *   a feed-forward layer's input:   W = W0·diag(l),  ia3_l [1, in]        (bias untouched)
 *   any other layer's output:       W = diag(l)·W0,  b = l ⊙ b0, ia3_l [out, 1]
 *
 * The output scaling covers the bias too (peft scales the layer's result), so a bias constant
 * "<module>.bias" in the graph is rewired to l ⊙ b0 and reported as the layer's BiasUpdate.
 * Parameters: in (feed-forward) or out.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Ia3 {
    private Ia3() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, boolean feedforward) {
        long out = w0.rows(), in = w0.columns();
        SDVariable l = sd.var(Names.param(key, "ia3_l"), Nd4j.ones(w0.dataType(), feedforward ? 1 : out, feedforward ? in : 1));   // [1, in] or [out, 1]
        SDVariable w = sd.constant(Names.param(key, "ia3_base"), w0).mul(l);                                                       // [out, in]
        List<AdapterParameter> params = List.of(new AdapterParameter(l.name(), l, ParamKind.EUCLIDEAN));
        String biasKey = Names.module(key) + ".bias";
        SDVariable b0 = sd.hasVariable(biasKey) ? sd.getVariable(biasKey) : null;
        if (feedforward || b0 == null || b0.getArr() == null) return new AdaptedWeight(key, "ia3", w, params, w0);
        INDArray biasBase = b0.getArr().dup();
        SDVariable b = sd.constant(Names.param(key, "ia3_bias_base"), biasBase).mul(sd.reshape(l, out));                             // [out]
        AdapterInjector.rewire(sd, biasKey, b);
        return new AdaptedWeight(key, "ia3", w, params, w0, Map.of(), null, null, new AdaptedWeight.BiasUpdate(biasKey, b, biasBase), null);
    }

    /** IA3's settings: a regex of the weight keys that are feed-forward layers (their input is scaled), or null for none. */
    public record Config(String feedforward) {
        public Config {
            if (feedforward != null && feedforward.isBlank()) feedforward = null;
        }

        boolean isFeedforward(String key) {
            return feedforward != null && key.matches(feedforward);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "ia3"; }
        public double stateBytesPerWeightByte() { return 0; }
        public String peftType() { return "IA3"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(f.ia3Feedforward()); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, c.isFeedforward(key));
        }

        public long parameters(Config c, String key, long out, long in) { return c.isFeedforward(key) ? in : out; }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
            json.set("feedforward_modules", Names.moduleList(layers, a -> c.isFeedforward(a.key())));
            json.put("init_ia3_weights", true);
        }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            com.fasterxml.jackson.databind.JsonNode ff = c.path("feedforward_modules");
            boolean none = ff.isMissingNode() || ff.isNull() || (ff.isArray() && ff.isEmpty());
            return java.util.Optional.of(new Config(none ? null : Names.peftModules(source, ff)));
        }

        public java.util.Map<String, Config> contractVariants() {
            java.util.Map<String, Config> v = new java.util.LinkedHashMap<>();
            v.put("ia3", new Config(null));
            v.put("ia3-ff", new Config("layer\\.weight"));
            return v;
        }
    };
}
