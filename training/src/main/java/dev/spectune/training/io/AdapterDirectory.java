/*
 * AdapterDirectory: an adapter on disk, shaped like peft's: adapter_config.json (spectune's
 * peft_type for the method, its options, the target pattern, the base model's hash, the Kronecker
 * factor sizes per layer) and adapter_model.safetensors with keys
 * "base_model.model.<diffusers module path>.<parameter>" (LoRA's are lora_A.weight / lora_B.weight
 * as peft names them). Both files are written to temporary names and renamed.
 */
package dev.spectune.training.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.adapters.RotationSide;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class AdapterDirectory {
    private AdapterDirectory() {}

    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors", KEY_PREFIX = "base_model.model.";

    /** What a saved adapter says about itself. */
    public record Saved(AdapterSpec spec, String targets, String baseModelHash, Map<String, INDArray> tensors) {}

    static String peftType(String method) {
        return switch (method) {
            case "lora" -> "LORA";
            case "soda-svd" -> "SPECTUNE_SODA_SVD";
            case "soda-qr" -> "SPECTUNE_SODA_QR";
            case "spectral-a" -> "SPECTUNE_SPECTRAL_ADDITIVE";
            case "spectral-r" -> "SPECTUNE_SPECTRAL_ROTATIONAL";
            case "svdiff" -> "SPECTUNE_SVDIFF";
            default -> throw new IllegalArgumentException(method);
        };
    }

    public static void save(Path dir, AdapterSpec spec, String targets, String baseModelHash, List<AdaptedWeight> layers) throws IOException {
        Files.createDirectories(dir);
        List<Tensor> tensors = new ArrayList<>();
        ObjectNode factorTable = new ObjectMapper().createObjectNode();
        for (AdaptedWeight a : layers) {
            for (AdapterParameter p : a.parameters()) tensors.add(Tensor.of(KEY_PREFIX + p.name(), p.value(), DType.F32));
            if (spec.method().startsWith("soda")) {
                var arr = factorTable.putArray(a.key());
                for (AdapterParameter p : a.parameters()) if (p.name().contains("soda_Q")) arr.add(p.value().rows());
            }
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt", "spectune_method", spec.method()));
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("peft_type", peftType(spec.method()));
        c.put("spectune_method", spec.method());
        c.put("target_modules", targets);
        c.put("base_model_hash", baseModelHash);
        c.put("r", spec.rank());
        c.put("lora_alpha", spec.alpha());
        c.put("use_rslora", spec.rsLora());
        c.put("column_block", spec.columnBlock());
        c.put("initial_delta", spec.initialDelta());
        c.put("relu", spec.relu());
        c.put("rotation_side", spec.side().name());
        c.put("factor_mode", spec.factorMode().name());
        c.put("factor_count", spec.factorCount());
        c.put("seed", spec.seed());
        c.set("factor_table", factorTable);
        Path temp = Files.createTempFile(dir, "." + CONFIG + ".", ".tmp");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), c);
            SafetensorsWriter.moveIntoPlace(temp, dir.resolve(CONFIG));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public static Saved read(Path dir) throws IOException {
        Path config = dir.resolve(CONFIG), weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
            throw new CheckpointException(dir + ": an adapter folder needs " + CONFIG + " and " + WEIGHTS);
        }
        JsonNode c = new ObjectMapper().readTree(config.toFile());
        String method = c.path("spectune_method").asText(c.path("peft_type").asText("").equals("LORA") ? "lora" : "");
        AdapterSpec spec = new AdapterSpec(method, c.path("r").asInt(4), c.path("lora_alpha").asDouble(4), c.path("use_rslora").asBoolean(false),
                c.path("column_block").asInt(0), c.path("initial_delta").asDouble(0), c.path("relu").asBoolean(true),
                RotationSide.valueOf(c.path("rotation_side").asText("INPUT")), KroneckerFactorPlanner.Mode.valueOf(c.path("factor_mode").asText("AUTHORS")),
                c.path("factor_count").asInt(3), c.path("seed").asLong(0));
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String n : f.names()) {
                if (!n.startsWith(KEY_PREFIX)) throw new CheckpointException(weights + ": key '" + n + "' does not start with " + KEY_PREFIX);
                tensors.put(n.substring(KEY_PREFIX.length()), f.read(n, DataType.FLOAT));
            }
        }
        return new Saved(spec, c.path("target_modules").asText(), c.path("base_model_hash").asText(""), tensors);
    }

    /** Injects a saved adapter into a graph and loads its values; every tensor must find its parameter and vice versa. */
    public static List<AdaptedWeight> apply(SameDiff sd, Saved saved) {
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(saved.targets()), saved.spec().builder());
        List<String> missing = new ArrayList<>();
        int used = 0;
        for (AdaptedWeight a : layers) {
            for (AdapterParameter p : a.parameters()) {
                INDArray v = saved.tensors().get(p.name());
                if (v == null) { missing.add(p.name()); continue; }
                if (!java.util.Arrays.equals(v.shape(), p.value().shape())) {
                    throw new CheckpointException("adapter tensor " + p.name() + " has shape " + java.util.Arrays.toString(v.shape())
                            + ", the layer expects " + java.util.Arrays.toString(p.value().shape()));
                }
                p.value().assign(v.castTo(p.value().dataType()));
                used++;
            }
        }
        if (!missing.isEmpty() || used != saved.tensors().size()) {
            throw new CheckpointException("adapter does not fit this model: " + missing.size() + " parameters missing from the file (e.g. "
                    + missing.stream().limit(3).toList() + "), " + (saved.tensors().size() - used) + " file tensors unused");
        }
        return layers;
    }
}
