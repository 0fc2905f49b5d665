/*
 * Checkpoint: a model the user pointed at — a diffusers pipeline folder, one component folder, a
 * single-file checkpoint, or any safetensors file — opened as per-component WeightSources under
 * diffusers names. Weight files are found the way diffusers names them
 * (diffusion_pytorch_model.safetensors, model.safetensors, their .fp16 variants and sharded
 * *.safetensors.index.json), then PyTorch's (diffusion_pytorch_model.bin, pytorch_model.bin); a
 * PyTorch zip checkpoint (.ckpt, .bin, .pt) is read without running its pickle (TensorFiles).
 */
package dev.spectune.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.config.ModelIndex;
import dev.spectune.checkpoint.names.Component;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

public final class Checkpoint implements AutoCloseable {

    private static final List<String> WEIGHT_FILES = List.of(
            "diffusion_pytorch_model.safetensors", "model.safetensors",
            "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors",
            "diffusion_pytorch_model.bin", "pytorch_model.bin");
    private static final List<String> INDEX_FILES = List.of(
            "diffusion_pytorch_model.safetensors.index.json", "model.safetensors.index.json");

    private final Path path;
    private final ModelFormat format;
    private final Map<String, WeightSource> components;
    private final AutoCloseable owner;

    private Checkpoint(Path path, ModelFormat format, Map<String, WeightSource> components, AutoCloseable owner) {
        this.path = path;
        this.format = format;
        this.components = components;
        this.owner = owner;
    }

    public Path path() {
        return path;
    }

    public ModelFormat format() {
        return format;
    }

    /** Component name (unet, vae, text_encoder, or the file/folder name) → its weights. */
    public Map<String, WeightSource> components() {
        return components;
    }

    public WeightSource component(String name) {
        WeightSource w = components.get(name);
        if (w == null) throw new CheckpointException(path + ": no '" + name + "' component (has " + components.keySet() + ")");
        return w;
    }

    public static Checkpoint open(Path path) {
        if (!Files.exists(path)) throw new CheckpointException(path + ": no such file or folder");
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("model_index.json"))) return openPipeline(path);
            if (hasComponentFolders(path)) return openComponents(path);
            return new Checkpoint(path, ModelFormat.DIFFUSERS_COMPONENT, Map.of(componentName(path), openComponentFolder(path)), null);
        }
        SafetensorsFile f = TensorFiles.open(path);
        if (SingleFileCheckpoint.looksLikeSingleFile(f)) {
            SingleFileCheckpoint single = SingleFileCheckpoint.of(f);
            Map<String, WeightSource> parts = new LinkedHashMap<>();
            for (Component c : Component.values()) if (single.has(c)) parts.put(c.folder(), single.component(c));
            return new Checkpoint(path, ModelFormat.SINGLE_FILE, parts, single);
        }
        f.close();
        return new Checkpoint(path, ModelFormat.SAFETENSORS,
                Map.of(path.getFileName().toString(), SafetensorsWeights.open(path.toString(), List.of(path), false)), null);
    }

    private static Checkpoint openPipeline(Path folder) {
        ModelIndex index = ModelIndex.fromJson(folder.resolve("model_index.json"));
        Map<String, WeightSource> parts = new LinkedHashMap<>();
        try {
            for (Component c : Component.values()) {
                if (!index.has(c.folder())) continue;
                Path sub = folder.resolve(c.folder());
                if (!Files.isDirectory(sub)) {
                    throw new CheckpointException(folder.resolve("model_index.json") + ": lists component '" + c.folder()
                            + "' but the folder " + sub + " is missing");
                }
                parts.put(c.folder(), openComponentFolder(sub));
            }
        } catch (RuntimeException e) {
            parts.values().forEach(WeightSource::close);
            throw e;
        }
        return new Checkpoint(folder, ModelFormat.DIFFUSERS_PIPELINE, parts, null);
    }

    /** unet / vae / text_encoder from the folder's config.json class, else the folder's name. */
    private static String componentName(Path folder) {
        Path config = folder.resolve("config.json");
        if (Files.isRegularFile(config)) {
            try {
                JsonNode root = new ObjectMapper().readTree(config.toFile());
                String cls = root.path("_class_name").asText(root.path("architectures").path(0).asText(""));
                switch (cls) {
                    case "UNet2DConditionModel": return Component.UNET.folder();
                    case "AutoencoderKL": return Component.VAE.folder();
                    case "CLIPTextModel": return Component.TEXT_ENCODER.folder();
                    default: break;
                }
            } catch (IOException e) {
                throw new CheckpointException(config + ": not valid JSON: " + e.getMessage());
            }
        }
        return folder.getFileName().toString();
    }

    private static boolean hasComponentFolders(Path folder) {
        for (Component c : Component.values()) if (Files.isDirectory(folder.resolve(c.folder()))) return true;
        return false;
    }

    /** A folder with unet/, vae/, text_encoder/ sub-folders but no model_index.json. */
    private static Checkpoint openComponents(Path folder) {
        Map<String, WeightSource> parts = new LinkedHashMap<>();
        try {
            for (Component c : Component.values()) {
                Path sub = folder.resolve(c.folder());
                if (Files.isDirectory(sub)) parts.put(c.folder(), openComponentFolder(sub));
            }
        } catch (RuntimeException e) {
            parts.values().forEach(WeightSource::close);
            throw e;
        }
        return new Checkpoint(folder, ModelFormat.DIFFUSERS_FOLDER, parts, null);
    }

    /** The weights of one component folder (unet/, vae/, text_encoder/ …). */
    public static WeightSource openComponentFolder(Path folder) {
        boolean isVae = folder.getFileName().toString().equals("vae");
        for (String name : INDEX_FILES) {
            Path indexFile = folder.resolve(name);
            if (Files.isRegularFile(indexFile)) return SafetensorsWeights.open(folder.toString(), shards(indexFile), isVae);
        }
        for (String name : WEIGHT_FILES) {
            Path file = folder.resolve(name);
            if (Files.isRegularFile(file)) return SafetensorsWeights.open(file.toString(), List.of(file), isVae);
        }
        try (var listing = Files.list(folder)) {
            List<String> names = listing.map(p -> p.getFileName().toString()).sorted().toList();
            throw new CheckpointException(folder + ": no weights file; expected one of " + WEIGHT_FILES + ", found " + names);
        } catch (IOException e) {
            throw new CheckpointException(folder + ": cannot list folder: " + e.getMessage());
        }
    }

    private static List<Path> shards(Path indexFile) {
        try {
            JsonNode map = new ObjectMapper().readTree(indexFile.toFile()).get("weight_map");
            if (map == null || !map.isObject()) throw new CheckpointException(indexFile + ": no weight_map object");
            TreeSet<String> files = new TreeSet<>();
            map.fields().forEachRemaining(e -> files.add(e.getValue().asText()));
            List<Path> out = new ArrayList<>();
            for (String f : files) out.add(indexFile.resolveSibling(f));
            return out;
        } catch (IOException e) {
            throw new CheckpointException(indexFile + ": not valid JSON: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        for (WeightSource w : components.values()) w.close();
        if (owner != null) {
            try {
                owner.close();
            } catch (Exception e) {
                throw new CheckpointException(path + ": close failed: " + e.getMessage());
            }
        }
    }
}
