/*
 * Lora: low-rank adaptation (Hu et al. 2021) as peft's LoraLayer: W = W0 + s·B·A with A [r, in]
 * drawn from U(−1/√in, 1/√in) (kaiming_uniform, a = √5), B [out, r] = 0, and s = α/r — or α/√r with
 * rsLoRA (Kalajdzievski 2023). Parameters: r·(in + out).
 */
package dev.spectune.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdapterMethod.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        return new AdaptedWeight(key, "lora", w, List.of(f.a(), f.b()), w0).withInputForm((g, x, y0) ->
                y0.add(g.mmul(g.mmul(x, f.a().variable(), false, true, false), f.b().variable(), false, true, false).mul(o.scale()))); // [N, out] = x·W0ᵀ + s·(x·Aᵀ)·Bᵀ
    }

    /** LoRA's settings: rank r, α (peft's lora_alpha; default r), rsLoRA's α/√r scaling. */
    public record Config(int rank, double alpha, boolean rsLora) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "lora"; }
        public double stateBytesPerWeightByte() { return 0; }
        public String peftType() { return "LORA"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            int r = f.rankOr(4);
            return new Config(r, f.alphaOr(r), f.rsLora());
        }

        public AdapterInjector.Method builder(Config c, Context x) {
            return (sd, key, w0) -> build(sd, key, w0, new Options(c.rank(), c.alpha(), c.rsLora(), x.seed()));
        }

        public long parameters(Config c, String key, long out, long in) { return (long) c.rank() * (in + out); }

        public int peftRank(Config c) { return c.rank(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, ObjectNode json) { writeLoraPeft(c, false, json); }

        public Optional<Config> readPeft(String source, JsonNode json, Map<String, INDArray> tensors) {
            return json.path("use_dora").asBoolean(false) ? Optional.empty() : Optional.of(readLoraPeft(json));
        }

        public Map<String, Config> contractVariants() {
            return Map.of("lora", new Config(4, 8, false), "rslora", new Config(4, 8, true));
        }
    };

    static void writeLoraPeft(Config c, boolean dora, ObjectNode json) {
        json.put("lora_alpha", c.alpha());
        json.put("use_rslora", c.rsLora());
        json.put("use_dora", dora);
        json.put("lora_dropout", 0.0);
    }

    static Config readLoraPeft(JsonNode json) {
        int r = json.path("r").asInt();
        return new Config(r, json.path("lora_alpha").asDouble(r), json.path("use_rslora").asBoolean(false));
    }
}
