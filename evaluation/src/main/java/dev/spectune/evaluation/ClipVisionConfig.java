/*
 * ClipVisionConfig: the vision tower of a transformers CLIPModel config.json (its vision_config),
 * every key save_pretrained omitted taken at CLIPVisionConfig's default (v4.36: hidden 768,
 * intermediate 3072, 12 layers, 12 heads, 3 channels, image 224, patch 32, quick_gelu, eps 1e-5),
 * and the CLIPConfig's projection_dim (512).
 */
package dev.spectune.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;

public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads, int numChannels, int imageSize,
                               int patchSize, String hiddenAct, double layerNormEps, int projectionDim) {

    public ClipVisionConfig {
        if (hiddenSize < 1 || intermediateSize < 1 || numHiddenLayers < 0 || numAttentionHeads < 1 || numChannels < 1 || imageSize < 1 || patchSize < 1 || projectionDim < 1) {
            throw new ConfigException("vision_config: sizes must be positive");
        }
        if (hiddenSize % numAttentionHeads != 0) throw new ConfigException("vision_config: hidden_size " + hiddenSize + " is not divisible by " + numAttentionHeads + " heads");
        if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) throw new ConfigException("vision_config: hidden_act '" + hiddenAct + "' is not supported (quick_gelu, gelu)");
    }

    public static ClipVisionConfig fromClipModelConfig(Path file) {
        JsonNode root = dev.spectune.checkpoint.config.ConfigJson.readObject(file);
        JsonNode v = root.path("vision_config");
        try {
            return new ClipVisionConfig(v.path("hidden_size").asInt(768), v.path("intermediate_size").asInt(3072), v.path("num_hidden_layers").asInt(12),
                    v.path("num_attention_heads").asInt(12), v.path("num_channels").asInt(3), v.path("image_size").asInt(224), v.path("patch_size").asInt(32),
                    v.path("hidden_act").asText("quick_gelu"), v.path("layer_norm_eps").asDouble(1e-5),
                    root.path("projection_dim").asInt(v.path("projection_dim").asInt(512)));
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }
}
