/*
 * Loha: low-rank Hadamard product (Hyeon-Woo et al. 2022, "FedPara"; LyCORIS' LoHa) as peft's
 * LoHaLayer: W = W0 + s·(W1a·W1b) ⊙ (W2a·W2b), s = α/r, with hada_w1_a, hada_w2_a [out, r] and
 * hada_w1_b, hada_w2_b [r, in]; W2b = 0 at init (the others kaiming-uniform), so W = W0.
 * Parameters: 2r·(out + in).
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Loha {
    private Loha() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, int rank, double alpha, long seed) {
        long out = w0.rows(), in = w0.columns();
        Nd4j.getRandom().setSeed(seed + key.hashCode());
        List<AdapterParameter> params = new ArrayList<>();
        SDVariable w1a = param(sd, key, "hada_w1_a", uniform(w0, out, rank, rank), params);              // [out, r]
        SDVariable w1b = param(sd, key, "hada_w1_b", uniform(w0, rank, in, in), params);                 // [r, in]
        SDVariable w2a = param(sd, key, "hada_w2_a", uniform(w0, out, rank, rank), params);              // [out, r]
        SDVariable w2b = param(sd, key, "hada_w2_b", Nd4j.zeros(w0.dataType(), rank, in), params);       // [r, in]
        SDVariable delta = w1a.mmul(w1b).mul(w2a.mmul(w2b)).mul(alpha / rank);                           // [out, in]
        return new AdaptedWeight(key, "loha", sd.constant(Names.param(key, "hada_base"), w0).add(delta), List.copyOf(params), w0);
    }

    static INDArray uniform(INDArray like, long rows, long cols, long fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        return Nd4j.rand(like.dataType(), rows, cols).muli(2 * bound).subi(bound);
    }

    private static SDVariable param(SameDiff sd, String key, String name, INDArray init, List<AdapterParameter> params) {
        SDVariable v = sd.var(Names.param(key, name), init);
        params.add(new AdapterParameter(v.name(), v, ParamKind.EUCLIDEAN));
        return v;
    }

    /** LoHa's settings: rank r and α (scale α/r). */
    public record Config(int rank, double alpha) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("LoHa rank must be >= 1, got " + rank);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "loha"; }
        public double stateBytesPerWeightByte() { return 0; }
        public String peftType() { return "LOHA"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            int r = f.rankOr(4);
            return new Config(r, f.alphaOr(r));
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, c.rank(), c.alpha(), x.seed());
        }

        public long parameters(Config c, String key, long out, long in) { return 2L * c.rank() * (out + in); }

        public int peftRank(Config c) { return c.rank(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) { Lokr.writeLycorisPeft(c.alpha(), json); }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            int r = c.path("r").asInt();
            return java.util.Optional.of(new Config(r, c.path("alpha").asDouble(r)));
        }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("loha", new Config(4, 8)); }
    };
}
