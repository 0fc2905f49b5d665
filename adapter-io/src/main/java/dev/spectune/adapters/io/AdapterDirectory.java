/*
 * AdapterDirectory: an adapter on disk, shaped like peft's: adapter_config.json and
 * adapter_model.safetensors with keys "base_model.model.<diffusers module path>.<parameter>".
 *
 * Methods peft has are written with peft's own peft_type, option names (each method's registry
 * entry writes and reads its own) and tensor names (lora_A.weight / lora_B.weight /
 * lora_magnitude_vector, oft_R.weight, boft_R, vera_lambda_b / _d and the shared base_model.vera_A /
 * vera_B), target_modules as the list of adapted module paths, so peft can load them; SODA, the
 * Spectral Adapter, SVDiff and LiDB get spectune's own peft_type. Every file also records
 * spectune's settings in a "spectune" block (method, the method's settings record, seed, target
 * regex, the base model's hash, SODA's factor table). read() accepts peft's own folders too: their
 * target_modules become a regex, conv LoRA factors are reshaped; and the flat settings of folders
 * written before the registry. Both files are written to temporary names and renamed.
 */
package dev.spectune.adapters.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterFlags;
import dev.spectune.adapters.AdapterMethod;
import dev.spectune.adapters.AdapterMethods;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.adapters.Names;
import dev.spectune.adapters.Oft;
import dev.spectune.adapters.RotationSide;
import dev.spectune.adapters.SodaQr;
import dev.spectune.adapters.SodaSvd;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.adapters.io.WeightSvdCache;
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
    public record Saved(AdapterSpec spec, String targets, String baseModelHash, Map<String, INDArray> tensors, String configSource) {

        /** The target regex on one key, bounded (BoundedRegex): a pattern that backtracks without end is refused naming this file and field. */
        public boolean targetMatches(Pattern targets, String key) {
            try {
                return dev.spectune.adapters.BoundedRegex.matches(targets, key);
            } catch (dev.spectune.adapters.BoundedRegex.TooSlow e) {
                throw new CheckpointException(configSource + ": the target modules (spectune.target_regex or target_modules): " + e.getMessage());
            }
        }
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
        c.put("peft_type", spec.entry().peftType());
        c.set("target_modules", modules);
        c.put("r", spec.peftRank());
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        spec.writePeft(layers, c);                                                            // the method's own peft options
        ObjectNode s = c.putObject("spectune");
        s.put("method", spec.method());
        s.set("config", json.valueToTree(spec.config()));
        s.put("seed", spec.seed());
        s.put("target_regex", targets);
        s.put("base_model_hash", baseModelHash);
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
        Saved saved = parse(configSource, c, weightsSource, stored);
        try {
            Pattern.compile(saved.targets());
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new CheckpointException(configSource + ": the target modules (spectune.target_regex or target_modules) give the invalid regex '"
                    + saved.targets() + "': " + e.getDescription());
        }
        return saved;
    }

    private static Saved parse(String configSource, JsonNode c, String weightsSource, Map<String, INDArray> stored) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (var e : stored.entrySet()) {
            String n = e.getKey();
            String key = n.startsWith(KEY_PREFIX) ? n.substring(KEY_PREFIX.length())
                    : n.startsWith(SHARED_PREFIX) && SHARED_BUFFERS.contains(n.substring(SHARED_PREFIX.length())) ? n.substring(SHARED_PREFIX.length()) : null;
            if (key == null) throw new CheckpointException(weightsSource + ": key '" + n + "' does not start with " + KEY_PREFIX);
            if (!Double.isFinite(e.getValue().sumNumber().doubleValue())) throw new CheckpointException(weightsSource + ": tensor '" + n + "' holds NaN or ∞");
            tensors.put(key, e.getValue());
        }
        JsonNode s = c.path("spectune");
        if (s.has("config")) return new Saved(spectuneSpec(configSource, s), s.path("target_regex").asText(), s.path("base_model_hash").asText(""), tensors, configSource);
        if (!s.isMissingNode()) return new Saved(legacySpec(configSource, s, s.path("method").asText()), s.path("target_regex").asText(), s.path("base_model_hash").asText(""), tensors, configSource);
        if (c.has("spectune_method")) return new Saved(legacySpec(configSource, c, c.path("spectune_method").asText()), c.path("target_modules").asText(),
                c.path("base_model_hash").asText(""), tensors, configSource);
        return new Saved(peftSpec(configSource, c, tensors), peftTargets(configSource, c.path("target_modules")), "", tensors, configSource);
    }

    /** spectune's block: the method and its own settings record. */
    private static AdapterSpec spectuneSpec(String source, JsonNode s) {
        AdapterMethod<?> m = AdapterMethods.byName(s.path("method").asText());
        try {
            return new AdapterSpec(m.name(), new ObjectMapper().treeToValue(s.get("config"), m.configType()), s.path("seed").asLong(0));
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(source + ": the " + m.name() + " settings in the spectune block do not read: " + e.getMessage());
        }
    }

    /**
     * Folders written before the method registry (flat settings in the "spectune" block) and by the
     * first release (flat, at the top, the target regex in target_modules): the same flags, read as the
     * command line's.
     */
    private static AdapterSpec legacySpec(String source, JsonNode s, String method) {
        AdapterFlags flags = new AdapterFlags(s.path("rank").isMissingNode() ? s.path("r").asInt(4) : s.path("rank").asInt(4), s.path("lora_alpha").asDouble(4),
                s.path("use_rslora").asBoolean(false), s.path("column_block").asInt(0),
                s.hasNonNull("spectral_columns") ? s.path("spectral_columns").asText() : null, s.path("spectral_stiefel").asBoolean(false),
                s.path("initial_delta").asDouble(0), s.path("relu").asBoolean(true), RotationSide.valueOf(s.path("rotation_side").asText("INPUT")),
                s.path("factor_count").asInt(3), s.path("oft_block_size").asInt(0), Oft.Layout.valueOf(s.path("oft_layout").asText("PEFT_0_17")),
                s.path("neumann_terms").asInt(5), s.path("coft_eps").asDouble(0), s.path("block_share").asBoolean(false),
                s.path("boft_butterfly_factors").asInt(1), s.path("vera_d_initial").asDouble(0.1),
                s.hasNonNull("ia3_feedforward") ? s.path("ia3_feedforward").asText() : null, s.path("lidb_a").asInt(100), s.path("lidb_b").asInt(50));
        AdapterSpec spec = AdapterSpec.of(method, flags, s.path("seed").asLong(0));
        KroneckerFactorPlanner.Mode mode = KroneckerFactorPlanner.Mode.valueOf(s.path("factor_mode").asText("AUTHORS"));
        if (spec.config() instanceof SodaSvd.Config c) return new AdapterSpec(method, new SodaSvd.Config(c.initialDelta(), c.relu(), c.side(), mode, c.factorCount()), spec.seed());
        if (spec.config() instanceof SodaQr.Config c) return new AdapterSpec(method, new SodaQr.Config(mode, c.factorCount()), spec.seed());
        return spec;
    }

    /** A folder peft wrote: the method whose entry reads its peft_type and options (LORA: LoRA or DoRA by use_dora). */
    private static AdapterSpec peftSpec(String config, JsonNode c, Map<String, INDArray> tensors) {
        String type = c.path("peft_type").asText("");
        for (AdapterMethod<?> m : AdapterMethods.byPeftType(type)) {
            if (type.startsWith("SPECTUNE_")) break;
            try {
                var read = m.readPeft(config, c, tensors);
                if (read.isPresent()) return new AdapterSpec(m.name(), read.get(), 0);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(e.getMessage());
            }
        }
        throw new CheckpointException(config + ": peft_type '" + type + "' is not one spectune reads (" + String.join(", ", AdapterMethods.peftTypes())
                + ", or spectune's own with its \"spectune\" block)");
    }

    /** peft's target_modules as a regex over weight keys: a string is a full-match regex on module names; a list matches name suffixes. */
    static String peftTargets(String config, JsonNode targets) {
        try {
            return Names.peftModules(config + " target_modules", targets);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    /** Injects a saved adapter into a graph and loads its values; every tensor must find its parameter and vice versa. */
    public static List<AdaptedWeight> apply(SameDiff sd, Saved saved) {
        List<AdaptedWeight> layers;
        try {
            layers = AdapterInjector.inject(sd, Pattern.compile(saved.targets()),
                    saved.spec().builder(saved.tensors(), WeightSvdCache.standard()));   // stored tensors size what they can (VeRA's projections, BOFT's blocks)
        } catch (dev.spectune.adapters.BoundedRegex.TooSlow e) {
            throw new CheckpointException(saved.configSource() + ": the target modules (spectune.target_regex or target_modules): " + e.getMessage());
        }
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
