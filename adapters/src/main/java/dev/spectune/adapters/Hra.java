/*
 * Hra: Householder reflection adaptation (Yuan et al. 2024, "Bridging the Gap between Low-rank and
 * Orthogonal Adaptation via Householder Reflection Adaptation") as peft's HRALayer:
 * W = W0·H1·H2·…·Hr, Hi = I − 2·ui·uiᵀ/‖ui‖², with hra_u [in, r] (column i is ui). At init the
 * columns come in equal pairs, so each pair of reflections cancels and W = W0 (r must be even).
 * Applied as r rank-1 updates W ← W − (W·u)·(2/‖u‖²)·uᵀ, never forming Hi; the scalar 2/‖u‖² is a
 * [1, 1] matrix multiplied in, and made by rdiv: in ND4J M2.1 both the gradient of a division
 * broadcast by a scalar and that of math().reciprocal come out wrong (the latter with the wrong sign).
 * Parameters: in·r.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

public final class Hra {
    private Hra() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, int rank, long seed) {
        if (rank % 2 != 0) throw new IllegalArgumentException(key + ": HRA starts at the identity only with an even number of reflections, got r = " + rank);
        long in = w0.columns();
        Nd4j.getRandom().setSeed(seed + key.hashCode());
        INDArray init = Nd4j.create(w0.dataType(), in, rank);
        for (int i = 0; i < rank; i += 2) {
            INDArray u = Loha.uniform(w0, in, 1, in);
            init.get(NDArrayIndex.all(), NDArrayIndex.point(i)).assign(u.reshape(in));
            init.get(NDArrayIndex.all(), NDArrayIndex.point(i + 1)).assign(u.reshape(in));
        }
        SDVariable us = sd.var(Names.param(key, "hra_u"), init);                                        // [in, r]
        SDVariable w = sd.constant(Names.param(key, "hra_base"), w0);
        SDVariable rows = sd.permute(us, 1, 0);                                                          // [r, in]: row slices (M2.1's column-slice gradient is wrong)
        for (int i = 0; i < rank; i++) {
            SDVariable u = sd.reshape(rows.get(SDIndex.point(i), SDIndex.all()), in, 1);                // [in, 1]
            SDVariable c = sd.mmul(sd.permute(u, 1, 0), u).rdiv(2.0);                                     // [1, 1]: 2/‖u‖²
            w = w.sub(w.mmul(u).mmul(c).mmul(sd.permute(u, 1, 0)));                                      // W·(I − 2uuᵀ/‖u‖²), no broadcasting
        }
        return new AdaptedWeight(key, "hra", w, List.of(new AdapterParameter(us.name(), us, ParamKind.EUCLIDEAN)), w0);
    }

    /** HRA's settings: the number of reflections r (even: they start in cancelling pairs). */
    public record Config(int reflections) {
        public Config {
            if (reflections < 1) throw new IllegalArgumentException("HRA needs at least one reflection, got " + reflections);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "hra"; }
        public String peftType() { return "HRA"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(f.rankOr(4)); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, c.reflections(), x.seed());
        }

        public long parameters(Config c, String key, long out, long in) { return in * c.reflections(); }

        public int peftRank(Config c) { return c.reflections(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) { json.put("apply_GS", false); }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            if (c.path("apply_GS").asBoolean(false)) throw new IllegalArgumentException(source + ": HRA with Gram–Schmidt (apply_GS) is not implemented");
            return java.util.Optional.of(new Config(c.path("r").asInt()));
        }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("hra", new Config(4)); }
    };
}
