/*
 * AdapterDirectory: an adapter on disk, shaped like peft's: adapter_config.json and
 * adapter_model.safetensors with keys "base_model.model.<diffusers module path>.<parameter>".
 *
 * LoRA, DoRA, OFT, VeRA, LoHa, LoKr, HRA and IA3 are written with peft's own peft_type, option names and tensor names
 * (lora_A.weight / lora_B.weight / lora_magnitude_vector, oft_R.weight, vera_lambda_b / _d and the
 * shared base_model.vera_A / vera_B), target_modules as the list of adapted module paths, so peft
 * can load them; SODA, the Spectral Adapter, SVDiff and LiDB get spectune's own peft_type. Every
 * file also records spectune's settings (method, options, target regex, the base model's hash,
 * SODA's factor table). read() accepts peft's own LoRA, DoRA, OFT (0.13 and 0.17) and VeRA
 * folders too: their target_modules become a regex, conv LoRA factors are reshaped. Both files are
 * written to temporary names and renamed.
 */
package dev.spectune.training.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.adapters.Oft;
import dev.spectune.adapters.RotationSide;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.training.spectrum.WeightSvdCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class AdapterDirectory {
    private AdapterDirectory() {}

    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors", KEY_PREFIX = "base_model.model.",
            SHARED_PREFIX = "base_model.", TEXT_ENCODER = "text_encoder";
    /** Frozen tensors shared by all layers, stored as "base_model.<name>" (peft's VeRA projections). */
    static final Set<String> SHARED_BUFFERS = Set.of("vera_A", "vera_B");

    /** What a saved adapter says about itself; tensors are keyed without the "base_model.model." prefix. */
    public record Saved(AdapterSpec spec, String targets, String baseModelHash, Map<String, INDArray> tensors) {}

    static String peftType(String method) {
        return switch (method) {
            case "lora", "dora" -> "LORA";
            case "oft" -> "OFT";
            case "boft" -> "BOFT";
            case "vera" -> "VERA";
            case "soda-svd" -> "SPECTUNE_SODA_SVD";
            case "soda-qr" -> "SPECTUNE_SODA_QR";
            case "spectral-a" -> "SPECTUNE_SPECTRAL_ADDITIVE";
            case "spectral-r" -> "SPECTUNE_SPECTRAL_ROTATIONAL";
            case "svdiff" -> "SPECTUNE_SVDIFF";
            case "lidb" -> "SPECTUNE_LIDB";
            case "loha" -> "LOHA";
            case "lokr" -> "LOKR";
            case "hra" -> "HRA";
            case "ia3" -> "IA3";
            default -> throw new IllegalArgumentException(method);
        };
    }

    public static void save(Path dir, AdapterSpec spec, String targets, String baseModelHash, List<AdaptedWeight> layers) throws IOException {
        Files.createDirectories(dir);
        List<Tensor> tensors = new ArrayList<>();
        Set<String> written = new LinkedHashSet<>();
        ObjectMapper json = new ObjectMapper();
        ObjectNode factorTable = json.createObjectNode();
        ArrayNode modules = json.createArrayNode();
        for (AdaptedWeight a : layers) {
            modules.add(a.key().endsWith(".weight") ? a.key().substring(0, a.key().length() - ".weight".length()) : a.key());
            for (AdapterParameter p : a.parameters()) tensors.add(Tensor.of(KEY_PREFIX + p.name(), peftShaped(a, p), DType.F32));
            for (var b : a.buffers().entrySet()) {
                String name = (SHARED_BUFFERS.contains(b.getKey()) ? SHARED_PREFIX : KEY_PREFIX) + b.getKey();
                if (written.add(name)) tensors.add(Tensor.of(name, b.getValue(), DType.F32));
            }
            if (spec.method().startsWith("soda")) {
                var arr = factorTable.putArray(a.key());
                for (AdapterParameter p : a.parameters()) if (p.name().contains("soda_Q")) arr.add(p.value().rows());
            }
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt", "spectune_method", spec.method()));
        ObjectNode c = json.createObjectNode();
        c.put("peft_type", peftType(spec.method()));
        c.set("target_modules", modules);
        c.put("r", spec.method().equals("oft") && spec.more().oftBlockSize() > 0 ? 0 : spec.rank());
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        switch (spec.method()) {
            case "lora", "dora" -> {
                c.put("lora_alpha", spec.alpha());
                c.put("use_rslora", spec.rsLora());
                c.put("use_dora", spec.method().equals("dora"));
                c.put("lora_dropout", 0.0);
            }
            case "oft" -> {
                c.put("oft_block_size", spec.more().oftBlockSize());
                c.put("use_cayley_neumann", spec.more().neumannTerms() > 0);
                c.put("num_cayley_neumann_terms", spec.more().neumannTerms());
                c.put("coft", spec.more().coftEps() > 0);
                c.put("eps", spec.more().coftEps());
                c.put("block_share", spec.more().blockShare());
                c.put("module_dropout", 0.0);
            }
            case "boft" -> {
                c.put("boft_block_size", spec.more().oftBlockSize());
                c.put("boft_block_num", spec.more().oftBlockSize() == 0 ? spec.rank() : 0);
                c.put("boft_n_butterfly_factor", spec.more().boftButterflyFactors());
                c.put("boft_dropout", 0.0);
                c.put("init_weights", true);
            }
            case "loha", "lokr" -> {
                c.put("alpha", spec.alpha());
                c.put("rank_dropout", 0.0);
                c.put("module_dropout", 0.0);
                c.put("rank_dropout_scale", false);
                c.put("use_effective_conv2d", false);
                c.put("decompose_both", false);
                c.put("decompose_factor", -1);
            }
            case "hra" -> c.put("apply_GS", false);
            case "ia3" -> {
                ArrayNode ff = c.putArray("feedforward_modules");
                for (AdaptedWeight a : layers) {
                    if (spec.more().ia3Feedforward() != null && a.key().matches(spec.more().ia3Feedforward())) ff.add(a.key().substring(0, a.key().length() - ".weight".length()));
                }
                c.put("init_ia3_weights", true);
            }
            case "vera" -> {
                c.put("d_initial", spec.more().veraDInitial());
                c.put("save_projection", true);
                c.put("projection_prng_key", spec.seed());
                c.put("vera_dropout", 0.0);
            }
            default -> { }
        }
        ObjectNode s = c.putObject("spectune");
        s.put("method", spec.method());
        s.put("target_regex", targets);
        s.put("base_model_hash", baseModelHash);
        s.put("rank", spec.rank());
        s.put("lora_alpha", spec.alpha());
        s.put("use_rslora", spec.rsLora());
        s.put("column_block", spec.columnBlock());
        s.put("initial_delta", spec.initialDelta());
        s.put("relu", spec.relu());
        s.put("rotation_side", spec.side().name());
        s.put("factor_mode", spec.factorMode().name());
        s.put("factor_count", spec.factorCount());
        s.put("seed", spec.seed());
        AdapterSpec.More m = spec.more();
        s.put("oft_layout", m.oftLayout().name());
        s.put("oft_block_size", m.oftBlockSize());
        s.put("neumann_terms", m.neumannTerms());
        s.put("coft_eps", m.coftEps());
        s.put("block_share", m.blockShare());
        s.put("vera_d_initial", m.veraDInitial());
        s.put("lidb_a", m.lidbAuxA());
        s.put("lidb_b", m.lidbAuxB());
        if (m.spectralColumns() != null) s.put("spectral_columns", m.spectralColumns());
        if (m.ia3Feedforward() != null) s.put("ia3_feedforward", m.ia3Feedforward());
        s.put("spectral_stiefel", m.spectralStiefel());
        s.put("boft_butterfly_factors", m.boftButterflyFactors());
        s.set("factor_table", factorTable);
        Path temp = Files.createTempFile(dir, "." + CONFIG + ".", ".tmp");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), c);
            SafetensorsWriter.moveIntoPlace(temp, dir.resolve(CONFIG));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A parameter as peft stores it: a conv LoRA's lora_A as [r, in, kh, kw] and lora_B as [out, r, 1, 1]; others as they are. */
    static INDArray peftShaped(AdaptedWeight a, AdapterParameter p) {
        long[] s = a.sourceShape();
        if (s.length != 4 || !(a.method().equals("lora") || a.method().equals("dora"))) return p.value();
        if (p.name().endsWith(".lora_A.weight")) return p.value().reshape(p.value().rows(), s[1], s[2], s[3]);
        if (p.name().endsWith(".lora_B.weight")) return p.value().reshape(s[0], p.value().columns(), 1, 1);
        return p.value();
    }

    /** The hash of the base model an adapter folder was trained on ("" when it does not say), from its config alone. */
    public static String baseModelHash(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (!Files.isRegularFile(config)) return "";
        JsonNode c = new ObjectMapper().readTree(config.toFile());
        return c.path("spectune").path("base_model_hash").asText(c.path("base_model_hash").asText(""));   // or the first release's flat layout
    }

    public static Saved read(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG), weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
            throw new CheckpointException(dir + ": an adapter folder needs " + CONFIG + " and " + WEIGHTS);
        }
        JsonNode c = new ObjectMapper().readTree(config.toFile());
        Map<String, INDArray> stored = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String n : f.names()) stored.put(n, f.read(n, DataType.FLOAT));
        }
        return read(config.toString(), c, weights.toString(), stored);
    }

    /**
     * An adapter from its config and its tensors as peft names them ("base_model.model.<module>.<parameter>",
     * shared "base_model.vera_A"), wherever they were stored; {@code configSource} and
     * {@code weightsSource} name them in errors.
     */
    public static Saved read(String configSource, JsonNode c, String weightsSource, Map<String, INDArray> stored) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (var e : stored.entrySet()) {
            String n = e.getKey();
            String key = n.startsWith(KEY_PREFIX) ? n.substring(KEY_PREFIX.length())
                    : n.startsWith(SHARED_PREFIX) && SHARED_BUFFERS.contains(n.substring(SHARED_PREFIX.length())) ? n.substring(SHARED_PREFIX.length()) : null;
            if (key == null) throw new CheckpointException(weightsSource + ": key '" + n + "' does not start with " + KEY_PREFIX);
            tensors.put(key, e.getValue());
        }
        JsonNode s = c.path("spectune");
        if (!s.isMissingNode()) return new Saved(spectuneSpec(s), s.path("target_regex").asText(), s.path("base_model_hash").asText(""), tensors);
        if (c.has("spectune_method")) return firstLayout(c, tensors);
        return new Saved(peftSpec(configSource, c, tensors), peftTargets(configSource, c.path("target_modules")), "", tensors);
    }

    /** Folders written before the "spectune" block existed (the first release): the same settings, flat, with the target regex in target_modules. */
    private static Saved firstLayout(JsonNode c, Map<String, INDArray> tensors) {
        AdapterSpec spec = new AdapterSpec(c.path("spectune_method").asText(), c.path("r").asInt(4), c.path("lora_alpha").asDouble(4),
                c.path("use_rslora").asBoolean(false), c.path("column_block").asInt(0), c.path("initial_delta").asDouble(0), c.path("relu").asBoolean(true),
                RotationSide.valueOf(c.path("rotation_side").asText("INPUT")), KroneckerFactorPlanner.Mode.valueOf(c.path("factor_mode").asText("AUTHORS")),
                c.path("factor_count").asInt(3), c.path("seed").asLong(0));
        return new Saved(spec, c.path("target_modules").asText(), c.path("base_model_hash").asText(""), tensors);
    }

    private static AdapterSpec spectuneSpec(JsonNode s) {
        AdapterSpec.More more = new AdapterSpec.More(Oft.Layout.valueOf(s.path("oft_layout").asText("PEFT_0_17")), s.path("oft_block_size").asInt(0),
                s.path("neumann_terms").asInt(5), s.path("coft_eps").asDouble(0), s.path("block_share").asBoolean(false),
                s.path("vera_d_initial").asDouble(0.1), s.path("lidb_a").asInt(100), s.path("lidb_b").asInt(50),
                s.hasNonNull("spectral_columns") ? s.path("spectral_columns").asText() : null, s.path("spectral_stiefel").asBoolean(false),
                s.hasNonNull("ia3_feedforward") ? s.path("ia3_feedforward").asText() : null, s.path("boft_butterfly_factors").asInt(1));
        return new AdapterSpec(s.path("method").asText(), s.path("rank").asInt(4), s.path("lora_alpha").asDouble(4), s.path("use_rslora").asBoolean(false),
                s.path("column_block").asInt(0), s.path("initial_delta").asDouble(0), s.path("relu").asBoolean(true),
                RotationSide.valueOf(s.path("rotation_side").asText("INPUT")), KroneckerFactorPlanner.Mode.valueOf(s.path("factor_mode").asText("AUTHORS")),
                s.path("factor_count").asInt(3), s.path("seed").asLong(0), more);
    }

    /** A folder peft wrote: LoRA (DoRA), OFT (0.13 or 0.17 layout, told apart by use_cayley_neumann) or VeRA. */
    private static AdapterSpec peftSpec(String config, JsonNode c, Map<String, INDArray> tensors) {
        String type = c.path("peft_type").asText("");
        int r = c.path("r").asInt(0);
        AdapterSpec base = AdapterSpec.defaults("lora");
        return switch (type) {
            case "LORA" -> new AdapterSpec(c.path("use_dora").asBoolean(false) ? "dora" : "lora", r, c.path("lora_alpha").asDouble(r),
                    c.path("use_rslora").asBoolean(false), 0, 0, true, null, null, 3, 0);
            case "OFT" -> {
                boolean v013 = !c.has("use_cayley_neumann");
                int blockSize = c.path("oft_block_size").asInt(0);
                AdapterSpec.More more = new AdapterSpec.More(v013 ? Oft.Layout.PEFT_0_13 : Oft.Layout.PEFT_0_17, r == 0 ? blockSize : 0,
                        v013 || !c.path("use_cayley_neumann").asBoolean() ? 0 : c.path("num_cayley_neumann_terms").asInt(5),
                        c.path("coft").asBoolean(false) ? c.path("eps").asDouble(6e-5) : 0, c.path("block_share").asBoolean(false), 0.1, 100, 50);
                yield new AdapterSpec("oft", Math.max(r, 1), 1, false, 0, 0, true, null, null, 3, 0, more);
            }
            case "VERA" -> {
                if (!tensors.containsKey("vera_A")) {
                    throw new CheckpointException(config + ": a VeRA adapter saved without its projections (save_projection=False) cannot be"
                            + " rebuilt outside torch's generator");
                }
                yield new AdapterSpec("vera", r, 1, false, 0, 0, true, null, null, 3, 0,
                        base.more().withVeraDInitial(c.path("d_initial").asDouble(0.1)));
            }
            case "BOFT" -> {
                int blockSize = c.path("boft_block_size").asInt(0), blockNum = c.path("boft_block_num").asInt(0);
                // The factors that trained are boft_R's first dimension: peft falls back to one butterfly factor
                // when its CUDA kernel is missing, whatever boft_n_butterfly_factor says.
                INDArray stored = tensors.entrySet().stream().filter(e -> e.getKey().endsWith(".boft_R")).map(Map.Entry::getValue).findFirst().orElse(null);
                int factors = stored != null ? (int) stored.size(0) : c.path("boft_n_butterfly_factor").asInt(1);
                yield new AdapterSpec("boft", Math.max(blockNum, 1), 1, false, 0, 0, true, null, null, 3, 0, base.more().withBoft(blockSize, factors));
            }
            case "LOHA" -> new AdapterSpec("loha", r, c.path("alpha").asDouble(r), false, 0, 0, true, null, null, 3, 0);
            case "LOKR" -> new AdapterSpec("lokr", r, c.has("rank_dropout_scale") ? c.path("alpha").asDouble(r) : r,   // peft 0.13: no α/r on full factors
                    false, 0, 0, true, null, null, 3, 0);
            case "IA3" -> {
                JsonNode ff = c.path("feedforward_modules");
                String regex = ff.isArray() && !ff.isEmpty() ? peftTargets(config, ff) : ff.isTextual() ? "(" + ff.asText() + ")\\.weight" : null;
                yield new AdapterSpec("ia3", 1, 1, false, 0, 0, true, null, null, 3, 0, base.more().withIa3Feedforward(regex));
            }
            case "HRA" -> {
                if (c.path("apply_GS").asBoolean(false)) throw new CheckpointException(config + ": HRA with Gram–Schmidt (apply_GS) is not implemented");
                yield new AdapterSpec("hra", r, r, false, 0, 0, true, null, null, 3, 0);
            }
            default -> throw new CheckpointException(config + ": peft_type '" + type + "' is not one spectune reads (LORA, OFT, BOFT, VERA, LOHA, LOKR, HRA, IA3 or spectune's own)");
        };
    }

    /** peft's target_modules as a regex over weight keys: a string is a full-match regex on module names; a list matches name suffixes. */
    static String peftTargets(String config, JsonNode targets) {
        if (targets.isTextual()) return "(" + targets.asText() + ")\\.weight";
        if (!targets.isArray() || targets.isEmpty()) throw new CheckpointException(config + ": target_modules missing");
        List<String> names = new ArrayList<>();
        targets.forEach(t -> names.add(Pattern.quote(t.asText())));
        return "(.*\\.)?(" + String.join("|", names) + ")\\.weight";
    }

    /** Injects a saved adapter into a graph and loads its values; every tensor must find its parameter and vice versa. */
    public static List<AdaptedWeight> apply(SameDiff sd, Saved saved) {
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(saved.targets()),
                saved.spec().builder(saved.tensors(), WeightSvdCache.standard()));   // stored tensors size what they can (VeRA's projections, BOFT's blocks)
        List<String> missing = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        for (AdaptedWeight a : layers) {
            for (AdapterParameter p : a.parameters()) {
                INDArray v = saved.tensors().get(p.name());
                if (v == null) { missing.add(p.name()); continue; }
                if (!Arrays.equals(v.shape(), p.value().shape())) {
                    if (v.length() != p.value().length() || v.rank() != 4) {               // conv LoRA factors are stored 4-D by peft
                        throw new CheckpointException("adapter tensor " + p.name() + " has shape " + Arrays.toString(v.shape())
                                + ", the layer expects " + Arrays.toString(p.value().shape()));
                    }
                    v = v.reshape(p.value().shape());
                }
                p.value().assign(v.castTo(p.value().dataType()));
                used.add(p.name());
            }
            used.addAll(a.buffers().keySet());
            a.constrain();
        }
        List<String> unused = saved.tensors().keySet().stream().filter(k -> !used.contains(k)).toList();
        if (!missing.isEmpty() || !unused.isEmpty()) {
            throw new CheckpointException("adapter does not fit this model: " + missing.size() + " parameters missing from the file (e.g. "
                    + missing.stream().limit(3).toList() + "), " + unused.size() + " file tensors unused (e.g. " + unused.stream().limit(3).toList() + ")");
        }
        return layers;
    }
}
