/*
 * Dora: weight-decomposed low-rank adaptation (Liu et al. 2024, "DoRA"), as peft's DoraLinearLayer:
 *
 *   W' = W0 + s·B·A                   (LoRA, A [r, in] kaiming-uniform, B [out, r] = 0, s = α/r or α/√r)
 *   W  = diag(m / ‖W'‖_row) · W'       m [out] initialised to ‖W0‖_row, so W = W0 at init
 *
 * ‖W'‖_row is the L2 norm of each output row (of the flattened [out, in·kh·kw] weight for a conv);
 * as in the paper §4.3 and peft it is detached — a constant for the gradient — which is what makes
 * DoRA's memory cost close to LoRA's (detachNorm = false keeps the exact gradient, for checks
 * against finite differences). Parameters: r·(in + out) + out.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class Dora {
    private Dora() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Lora.Options o) {
        return build(sd, key, w0, o, true);
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Lora.Options o, boolean detachNorm) {
        long out = w0.rows();
        LoraFactors f = LoraFactors.create(sd, key, w0, o);
        SDVariable adapted = sd.constant(Names.param(key, "lora_base"), w0).add(f.product());          // W' [out, in]
        SDVariable m = sd.var(Names.param(key, "lora_magnitude_vector"), w0.norm2(1));                  // [out]
        SDVariable rowNorm = sd.math().sqrt(adapted.mul(adapted).sum(true, 1));                           // [out, 1]
        if (detachNorm) rowNorm = GraphMath.stopGradient(sd, rowNorm);
        SDVariable w = adapted.mul(sd.reshape(m, out, 1).div(rowNorm));                                 // [out, in]
        return new AdaptedWeight(key, "dora", w, List.of(f.a(), f.b(), new AdapterParameter(m.name(), m, ParamKind.EUCLIDEAN)), w0);
    }

    /** DoRA's settings: LoRA's, and whether ‖W'‖_row takes part in the gradient (peft and the paper detach it; exact for checks). */
    public record Config(int rank, double alpha, boolean rsLora, boolean exactNormGradient) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("DoRA rank must be >= 1, got " + rank);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "dora"; }
        public String peftType() { return "LORA"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            int r = f.rankOr(4);
            return new Config(r, f.alphaOr(r), f.rsLora(), false);
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, new Lora.Options(c.rank(), c.alpha(), c.rsLora(), x.seed()), !c.exactNormGradient());
        }

        public long parameters(Config c, String key, long out, long in) { return (long) c.rank() * (in + out) + out; }

        public int peftRank(Config c) { return c.rank(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
            Lora.writeLoraPeft(new Lora.Config(c.rank(), c.alpha(), c.rsLora()), true, json);
        }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode json, java.util.Map<String, INDArray> tensors) {
            if (!json.path("use_dora").asBoolean(false)) return java.util.Optional.empty();
            Lora.Config l = Lora.readLoraPeft(json);
            return java.util.Optional.of(new Config(l.rank(), l.alpha(), l.rsLora(), false));
        }

        public java.util.Map<String, Config> contractVariants() {
            return java.util.Map.of("dora", new Config(4, 8, false, true));                  // the exact gradient, for finite differences
        }
    };
}
