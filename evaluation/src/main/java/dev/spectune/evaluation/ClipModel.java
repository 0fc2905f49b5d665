/*
 * ClipModel: a transformers CLIPModel folder (config.json, model.safetensors or pytorch_model.bin,
 * preprocessor_config.json, the tokenizer's vocab.json and merges.txt here or in tokenizer/) as the
 * DreamBooth metric uses it: image features (CLIPModel.get_image_features) of decoded images and
 * text features (get_text_features) of prompts, in float32, a fixed batch at a time.
 */
package dev.spectune.evaluation;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.image.ImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class ClipModel implements AutoCloseable {

    private final ClipVisionConfig vision;
    private final TextEncoderConfig text;
    private final WeightSource weights;
    private final ImageProcessor processor;
    private final ClipTokenizer tokenizer;

    private ClipModel(ClipVisionConfig vision, TextEncoderConfig text, WeightSource weights, ImageProcessor processor, ClipTokenizer tokenizer) {
        this.vision = vision;
        this.text = text;
        this.weights = weights;
        this.processor = processor;
        this.tokenizer = tokenizer;
    }

    public static ClipModel open(Path folder) {
        Path config = folder.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new IllegalArgumentException(folder + ": not a CLIP model folder (no config.json)");
        Path tokenizerFolder = Files.isRegularFile(folder.resolve("vocab.json")) ? folder : folder.resolve("tokenizer");
        ClipTokenizer tokenizer;
        try {
            tokenizer = ClipTokenizer.fromFolder(tokenizerFolder);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return new ClipModel(ClipVisionConfig.fromClipModelConfig(config), TextEncoderConfig.fromClipModelConfig(config),
                Checkpoint.openComponentFolder(folder), ImageProcessor.fromJson(folder.resolve("preprocessor_config.json")), tokenizer);
    }

    public ImageProcessor processor() {
        return processor;
    }

    /** get_image_features of each image: [N, projection_dim]. */
    public INDArray imageFeatures(List<ImageProcessor.Rgb> images) {
        return Images.inBatches(images, chunk -> ClipVisionModel.build(vision, weights, DataType.FLOAT, chunk.size())
                .run(Map.of("pixel_values", Images.batch(processor, chunk)), "image_embeds_unnormalized").get("image_embeds_unnormalized"));
    }

    /** get_text_features of each prompt (padded to 77 tokens, truncated as the tokenizer does): [N, projection_dim]. */
    public INDArray textFeatures(List<String> prompts) {
        int length = ClipTokenizer.MODEL_MAX_LENGTH;
        long[][] ids = new long[prompts.size()][];
        for (int i = 0; i < ids.length; i++) ids[i] = java.util.Arrays.stream(tokenizer.encodeForModel(prompts.get(i), length).ids()).asLongStream().toArray();
        INDArray idArray = Nd4j.createFromArray(ids);                                                // [N, 77]
        ModelGraph g = ClipTextModel.buildTower(text, weights, DataType.FLOAT, ids.length, length);
        INDArray pooled = g.run(Map.of("input_ids", idArray, "pool_index", ClipTextModel.poolIndex(text, idArray)), "pooler_output").get("pooler_output");
        return pooled.mmul(weights.read("text_projection.weight", DataType.FLOAT).transpose());        // [N, P]
    }

    @Override
    public void close() {
        weights.close();
    }
}
