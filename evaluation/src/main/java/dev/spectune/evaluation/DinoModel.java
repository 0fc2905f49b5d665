/*
 * DinoModel: a transformers ViTModel folder (config.json, model.safetensors or pytorch_model.bin,
 * preprocessor_config.json) as the DINO metric uses it: the CLS row of last_hidden_state of each
 * decoded image, in float32, a fixed batch at a time.
 */
package dev.spectune.evaluation;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.model.image.ImageProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DinoModel implements AutoCloseable {

    private final ViTConfig config;
    private final WeightSource weights;
    private final ImageProcessor processor;

    private DinoModel(ViTConfig config, WeightSource weights, ImageProcessor processor) {
        this.config = config;
        this.weights = weights;
        this.processor = processor;
    }

    public static DinoModel open(Path folder) {
        return open(folder, false);
    }

    /** @param originalTransform the DINO repository's evaluation transform (ImageProcessor.dinoOriginal) instead of the folder's HF processor */
    public static DinoModel open(Path folder, boolean originalTransform) {
        if (!Files.isRegularFile(folder.resolve("config.json"))) throw new IllegalArgumentException(folder + ": not a ViT model folder (no config.json)");
        ViTConfig config = ViTConfig.fromJson(folder.resolve("config.json"));
        ImageProcessor processor = originalTransform ? ImageProcessor.dinoOriginal() : ImageProcessor.fromJson(folder.resolve("preprocessor_config.json"));
        return new DinoModel(config, Checkpoint.openComponentFolder(folder), processor);
    }

    /** CLS embeddings [N, hidden]. */
    public INDArray embeddings(List<ImageProcessor.Rgb> images) {
        return Images.inBatches(images, chunk -> {
            INDArray pixels = Images.batch(processor, chunk);                                           // [n, 3, H, W]
            return ViTModel.build(config, weights, DataType.FLOAT, chunk.size(), (int) pixels.size(2), (int) pixels.size(3))
                    .run(Map.of("pixel_values", pixels), "cls").get("cls");
        });
    }

    @Override
    public void close() {
        weights.close();
    }
}
