/*
 * ViTConfig: transformers' ViTConfig (v4.36) as config.json gives it, every omitted key taken at
 * the class default (hidden 768, 12 layers, 12 heads, intermediate 3072, gelu, eps 1e-12, image
 * 224, patch 16, 3 channels, qkv_bias true) — the DINO ViT of the DreamBooth metric.
 */
package dev.spectune.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;

public record ViTConfig(int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize, String hiddenAct,
                        double layerNormEps, int imageSize, int patchSize, int numChannels, boolean qkvBias) {

    public static final ViTConfig DEFAULTS = new ViTConfig(768, 12, 12, 3072, "gelu", 1e-12, 224, 16, 3, true);

    public ViTConfig {
        if (hiddenSize < 1 || numHiddenLayers < 0 || numAttentionHeads < 1 || intermediateSize < 1 || imageSize < 1 || patchSize < 1 || numChannels < 1) {
            throw new ConfigException("vit: sizes must be positive, found hidden " + hiddenSize + ", layers " + numHiddenLayers + ", heads "
                    + numAttentionHeads + ", intermediate " + intermediateSize + ", image " + imageSize + ", patch " + patchSize + ", channels " + numChannels);
        }
        if (hiddenSize % numAttentionHeads != 0) throw new ConfigException("vit: hidden_size " + hiddenSize + " is not divisible by " + numAttentionHeads + " heads");
        if (!hiddenAct.equals("gelu")) throw new ConfigException("vit: hidden_act '" + hiddenAct + "' is not supported (gelu)");
    }

    public static ViTConfig fromJson(Path file) {
        JsonNode j = dev.spectune.checkpoint.config.ConfigJson.readObject(file);
        String type = j.path("model_type").asText("vit");
        if (!type.equals("vit")) throw new ConfigException(file + ": model_type '" + type + "' is not a ViT (vit)");
        ViTConfig d = DEFAULTS;
        try {
            return new ViTConfig(j.path("hidden_size").asInt(d.hiddenSize), j.path("num_hidden_layers").asInt(d.numHiddenLayers),
                    j.path("num_attention_heads").asInt(d.numAttentionHeads), j.path("intermediate_size").asInt(d.intermediateSize),
                    j.path("hidden_act").asText(d.hiddenAct), j.path("layer_norm_eps").asDouble(d.layerNormEps), j.path("image_size").asInt(d.imageSize),
                    j.path("patch_size").asInt(d.patchSize), j.path("num_channels").asInt(d.numChannels), j.path("qkv_bias").asBoolean(d.qkvBias));
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Patches per side at the configured image size (the position table holds its square plus the CLS row). */
    public int gridSize() {
        return imageSize / patchSize;
    }
}
