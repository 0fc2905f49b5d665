/*
 * AdapterMethods: the one registry of adapter methods. A method is added by writing its file (the
 * graph builder and its AdapterMethod entry) and listing the entry here; missing(…) names what an
 * entry still lacks, and the registry test holds every entry to it.
 *
 * Parameter counts, from the papers (k = min(out, in), r the rank, ki the Kronecker factors, b the
 * OFT block size): LoRA (Hu et al. 2021) r·(in + out); DoRA (Liu et al. 2024) r·(in + out) + out;
 * SVDiff (Han et al. 2023) k; SODA (Zhang et al. 2024) k + Σ ki² (+ Σ kj² of an output-side
 * rotation); Spectral Adapter A (Zhang & Pilanci 2024) r·(out + in + 1), R 2r² + r; OFT (Qiu et al.
 * 2023) peft 0.17 (in/b)·b(b−1)/2, 0.13 (out/b)·b², shared: one block; BOFT (Liu et al. 2024)
 * m·D·H² + out; VeRA (Kopiczko et al. 2024) out + r; LiDB (Ruiz et al. 2023) r·(a + b), a ≤ out,
 * b ≤ in; LoHa (Hyeon-Woo et al. 2022) 2r·(out + in); LoKr out₁·in₁ + out₂·in₂; HRA (Yuan et al.
 * 2024) in·r; IA3 (Liu et al. 2022) out, or in for a feed-forward layer; full fine-tuning (DreamBooth,
 * Ruiz et al. 2023) out·in.
 */
package dev.spectune.adapters;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class AdapterMethods {
    private AdapterMethods() {}

    /** Every method, in the order the command line lists them. */
    public static final List<AdapterMethod<?>> ALL = List.of(SodaSvd.METHOD, SodaQr.METHOD, SpectralAdapter.ADDITIVE, SpectralAdapter.ROTATIONAL,
            Svdiff.METHOD, Lora.METHOD, Dora.METHOD, Oft.METHOD, Boft.METHOD, Vera.METHOD, Lidb.METHOD, Loha.METHOD, Lokr.METHOD, Hra.METHOD, Ia3.METHOD, Full.METHOD);

    public static List<String> names() {
        return ALL.stream().map(AdapterMethod::name).toList();
    }

    public static AdapterMethod<?> byName(String name) {
        for (AdapterMethod<?> m : ALL) if (m.name().equals(name)) return m;
        throw new IllegalArgumentException("unknown adapter method '" + name + "' (choose one of " + names() + ")");
    }

    /** The methods stored under a peft_type (LORA: LoRA and DoRA). */
    public static List<AdapterMethod<?>> byPeftType(String peftType) {
        return ALL.stream().filter(m -> m.peftType().equals(peftType)).toList();
    }

    /** The peft types spectune reads from folders peft wrote (its own SPECTUNE_… ones aside). */
    public static List<String> peftTypes() {
        return ALL.stream().map(AdapterMethod::peftType).filter(t -> !t.startsWith("SPECTUNE_")).distinct().toList();
    }

    /**
     * What an entry still lacks, by name; empty when it is complete: a name and a peft_type, contract
     * variants, every variant building on a Linear(24 → 16) with the count its formula gives and
     * settings that survive spectune's JSON, and, for a peft type, default settings that survive peft's config.
     */
    private static <C extends Record> AdaptedWeight build(AdapterMethod<C> m, C config, INDArray w0) {
        AdapterInjector.Method builder = m.builder(config, new AdapterMethod.Context(1, Map.of(), Decompositions.FRESH));
        builder.prepare(List.of(w0));
        return builder.build(SameDiff.create(), "layer.weight", w0);
    }

    public static <C extends Record> List<String> missing(AdapterMethod<C> m) {
        List<String> missing = new ArrayList<>();
        if (m.name() == null || m.name().isBlank()) missing.add("name");
        if (m.peftType() == null || m.peftType().isBlank()) missing.add("peft type");
        double state = m.stateBytesPerWeightByte();
        if (!(state >= 0) || Double.isInfinite(state)) missing.add("a finite, non-negative memory state per weight byte");
        Map<String, C> variants = m.contractVariants();
        if (variants == null || variants.isEmpty()) {
            missing.add("contract variants");
            return missing;
        }
        INDArray w0 = Nd4j.rand(DataType.DOUBLE, 16, 24);
        ObjectMapper json = new ObjectMapper();
        for (var v : variants.entrySet()) {
            C config = v.getValue();
            try {
                AdaptedWeight a = build(m, config, w0);
                long formula = m.parameters(config, "layer.weight", 16, 24);
                if (a.parameterCount() != formula) missing.add("parameter formula (" + v.getKey() + ": built " + a.parameterCount() + ", formula " + formula + ")");
                if (!config.equals(json.treeToValue(json.valueToTree(config), m.configType()))) missing.add("settings JSON round trip (" + v.getKey() + ")");
            } catch (RuntimeException | java.io.IOException e) {
                missing.add("a contract variant that builds (" + v.getKey() + ": " + e + ")");
            }
        }
        if (m.peftType() != null && !m.peftType().startsWith("SPECTUNE_")) {                  // peft's config carries the default settings there and back
            try {
                C config = m.configure(AdapterFlags.defaults());
                AdaptedWeight a = build(m, config, w0);
                ObjectNode peft = json.createObjectNode();
                peft.put("peft_type", m.peftType());
                peft.put("r", m.peftRank(config));
                m.writePeft(config, List.of(a), peft);
                Map<String, INDArray> tensors = new java.util.LinkedHashMap<>();
                a.parameters().forEach(p -> tensors.put(p.name(), p.value()));
                tensors.putAll(a.buffers());
                Optional<C> back = m.readPeft("(round trip)", peft, tensors);
                if (back.isEmpty() || !back.get().equals(config)) missing.add("peft config round trip (" + m.name() + ": " + back.orElse(null) + ")");
            } catch (RuntimeException e) {
                missing.add("peft config round trip (" + e + ")");
            }
        }
        return missing;
    }
}
