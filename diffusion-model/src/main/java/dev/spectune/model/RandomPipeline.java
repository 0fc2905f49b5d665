/*
 * RandomPipeline: a diffusers pipeline folder with the configs of a real model (e.g. SD-1.5's, in
 * ../shared/artifacts/sd15-config) and seeded random weights (RandomWeights) — a model of the real
 * shape for benches and tests of scale when the real weights are not at hand. The configs,
 * tokenizer and scheduler are copied; each component's weights are written from the state dict its
 * config implies, one tensor at a time (an SD-1.5 UNet is 3.4 GB in float32, larger than the heap).
 */
package dev.spectune.model;

import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class RandomPipeline {
    private RandomPipeline() {}

    /** The components written, with their weight file names (diffusers' layout). */
    private static final Map<String, String> WEIGHT_FILES = Map.of(
            "unet", "diffusion_pytorch_model.safetensors", "vae", "diffusion_pytorch_model.safetensors", "text_encoder", "model.safetensors");

    /**
     * Writes {@code out} from {@code configs}: a folder with model_index.json and unet/, vae/,
     * text_encoder/ config.json (scheduler/, tokenizer/ and feature_extractor/ are copied when there).
     * {@code out} must not exist or be empty; it is assembled beside itself and renamed into place.
     */
    public static void write(Path configs, Path out, long seed) throws IOException {
        for (String c : List.of("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json")) {
            if (!Files.isRegularFile(configs.resolve(c))) throw new IllegalArgumentException(configs.resolve(c) + ": missing (a pipeline's config folder has it)");
        }
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            throw new IllegalArgumentException(out + ": exists and is not an empty folder; give a new --out");
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + out.getFileName() + ".");
        try {
            copyTree(configs, temp);
            components(configs).forEach((component, shapes) -> {
                try {
                    writeWeights(temp.resolve(component).resolve(WEIGHT_FILES.get(component)), shapes, seed + component.hashCode());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (Files.exists(out)) Files.delete(out);                                       // the empty folder the user made
            Files.move(temp, out);
        } finally {
            if (Files.exists(temp)) deleteTree(temp);
        }
    }

    private static Map<String, Map<String, long[]>> components(Path configs) {
        return Map.of(
                "unet", UNet2DConditionModel.parameterShapes(UNetConfig.fromJson(configs.resolve("unet/config.json"))),
                "vae", AutoencoderKL.parameterShapes(VaeConfig.fromJson(configs.resolve("vae/config.json"))),
                "text_encoder", ClipTextModel.parameterShapes(TextEncoderConfig.fromJson(configs.resolve("text_encoder/config.json"))));
    }

    private static void writeWeights(Path file, Map<String, long[]> shapes, long seed) throws IOException {
        RandomWeights weights = new RandomWeights(shapes, seed);
        List<SafetensorsWriter.Lazy> tensors = new ArrayList<>();
        for (var e : shapes.entrySet()) {
            tensors.add(new SafetensorsWriter.Lazy(e.getKey(), DType.F32, e.getValue(), () -> {
                INDArray value = weights.read(e.getKey(), DataType.FLOAT);
                byte[] bytes = Tensor.of(e.getKey(), value, DType.F32).data();
                value.close();
                return bytes;
            }));
        }
        SafetensorsWriter.writeLazily(file, tensors, Map.of("format", "pt", "note", "spectune random-pipeline: seeded random weights"));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path relative = from.relativize(p);
                Path target = to.resolve(relative.toString());
                String name = p.getFileName().toString();
                boolean config = relative.getNameCount() == 1 ? name.equals("model_index.json") : name.endsWith(".json") || name.endsWith(".txt");
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (config) Files.copy(p, target);                                      // not the real model's WEIGHTS.txt or yaml
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
