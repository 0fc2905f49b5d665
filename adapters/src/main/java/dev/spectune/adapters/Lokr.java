/*
 * Lokr: low-rank Kronecker product (LyCORIS' LoKr; Edalati et al. 2022, "KronA") as peft's
 * LoKrLayer with full factors: W = W0 + s·(W1 ⊗ W2), lokr_w1 [out₁, in₁], lokr_w2 [out₂, in₂] with
 * out = out₁·out₂, in = in₁·in₂ split as peft's factorization does (the divisor pair closest to √n,
 * smaller first); W1 = 0 at init. s = α/r (peft 0.17; peft 0.13 applied no scale to undecomposed
 * factors, s = 1). W1 ⊗ W2 is built as [out₁, 1, in₁, 1]·[1, out₂, 1, in₂] broadcast, never by a loop.
 * Parameters: out₁·in₁ + out₂·in₂.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Lokr {
    private Lokr() {}

    /** peft's factorization(n, −1): n = a·b with a ≤ b and a as large as possible. */
    public static int[] factorization(long n) {
        int a = (int) Math.floor(Math.sqrt(n));
        while (n % a != 0) a--;
        return new int[] {a, (int) (n / a)};
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, double scale, long seed) {
        long out = w0.rows(), in = w0.columns();
        int[] o = factorization(out), i = factorization(in);
        Nd4j.getRandom().setSeed(seed + key.hashCode());
        SDVariable w1 = sd.var(Names.param(key, "lokr_w1"), Nd4j.zeros(w0.dataType(), o[0], i[0]));                    // [out₁, in₁]
        SDVariable w2 = sd.var(Names.param(key, "lokr_w2"), Loha.uniform(w0, o[1], i[1], i[1]));                        // [out₂, in₂]
        SDVariable kron = sd.reshape(sd.reshape(w1, o[0], 1, i[0], 1).mul(sd.reshape(w2, 1, o[1], 1, i[1])), out, in); // W1 ⊗ W2 [out, in]
        SDVariable w = sd.constant(Names.param(key, "lokr_base"), w0).add(kron.mul(scale));
        return new AdaptedWeight(key, "lokr", w, List.of(new AdapterParameter(w1.name(), w1, ParamKind.EUCLIDEAN),
                new AdapterParameter(w2.name(), w2, ParamKind.EUCLIDEAN)), w0);
    }

    /** LoKr's settings: rank r and α (full factors scaled by α/r, as peft ≥ 0.14). */
    public record Config(int rank, double alpha) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("LoKr rank must be >= 1, got " + rank);
        }
    }

    static void writeLycorisPeft(double alpha, com.fasterxml.jackson.databind.node.ObjectNode json) {
        json.put("alpha", alpha);
        json.put("rank_dropout", 0.0);
        json.put("module_dropout", 0.0);
        json.put("rank_dropout_scale", false);
        json.put("use_effective_conv2d", false);
        json.put("decompose_both", false);
        json.put("decompose_factor", -1);
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "lokr"; }
        public double stateBytesPerWeightByte() { return 0; }
        public String peftType() { return "LOKR"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            int r = f.rankOr(4);
            return new Config(r, f.alphaOr(r));
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, c.alpha() / c.rank(), x.seed());
        }

        public long parameters(Config c, String key, long out, long in) {
            int[] o = factorization(out), i = factorization(in);
            return (long) o[0] * i[0] + (long) o[1] * i[1];
        }

        public int peftRank(Config c) { return c.rank(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) { writeLycorisPeft(c.alpha(), json); }

        /** peft 0.13 (no rank_dropout_scale option) applied no α/r to full factors: α = r there. */
        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            int r = c.path("r").asInt();
            return java.util.Optional.of(new Config(r, c.has("rank_dropout_scale") ? c.path("alpha").asDouble(r) : r));
        }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("lokr", new Config(4, 8)); }
    };
}
