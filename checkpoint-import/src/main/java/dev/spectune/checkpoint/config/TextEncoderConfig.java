/*
 * TextEncoderConfig: transformers' CLIPTextConfig fields the text encoder uses, validated, with
 * transformers' defaults. eos_token_id decides the pooling rule (2, as in SD-1.5's config, means
 * the legacy argmax-of-ids pooling).
 */
package dev.spectune.checkpoint.config;

import java.nio.file.Path;
import java.util.Set;

public record TextEncoderConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                                int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct, double layerNormEps,
                                int bosTokenId, int eosTokenId, int padTokenId, int projectionDim) {

    static final Set<String> ACTIVATIONS = Set.of("quick_gelu", "gelu");

    public TextEncoderConfig {
        if (hiddenSize < 1 || intermediateSize < 1 || numHiddenLayers < 1 || numAttentionHeads < 1 || vocabSize < 1) {
            throw new ConfigException("text_encoder: hidden_size, intermediate_size, num_hidden_layers, num_attention_heads and vocab_size must be >= 1, found "
                    + hiddenSize + ", " + intermediateSize + ", " + numHiddenLayers + ", " + numAttentionHeads + ", " + vocabSize);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException("text_encoder: hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (!ACTIVATIONS.contains(hiddenAct)) throw new ConfigException("text_encoder: hidden_act '" + hiddenAct + "' not supported " + ACTIVATIONS);
        if (!(layerNormEps > 0)) throw new ConfigException("text_encoder: layer_norm_eps must be positive");
    }

    /** transformers' rule: eos_token_id == 2 selects the legacy argmax-of-ids pooling. */
    public boolean legacyArgmaxPooling() {
        return eosTokenId == 2;
    }

    public static TextEncoderConfig fromJson(Path file) {
        try {
            return read(Json.read(file));
        } catch (ConfigException e) {
            throw ConfigException.in(file, e);
        }
    }

    /**
     * The text tower of a transformers CLIPModel config.json: its text_config, every key
     * save_pretrained omitted taken at CLIPTextConfig's default (v4.36: vocab 49408, hidden 512,
     * intermediate 2048, 12 layers, 8 heads, 77 positions, quick_gelu, eps 1e-5, pad 1, BOS 49406,
     * EOS 49407; projection_dim from the CLIPConfig, 512).
     */
    public static TextEncoderConfig fromClipModelConfig(Path file) {
        try {
            Json root = Json.read(file);
            Json t = root.object("text_config");
            return new TextEncoderConfig(t.integer("vocab_size", 49408), t.integer("hidden_size", 512), t.integer("intermediate_size", 2048),
                    t.integer("num_hidden_layers", 12), t.integer("num_attention_heads", 8), t.integer("max_position_embeddings", 77),
                    t.text("hidden_act", "quick_gelu"), t.number("layer_norm_eps", 1e-5), t.integer("bos_token_id", 49406),
                    t.integer("eos_token_id", 49407), t.integer("pad_token_id", 1), root.integer("projection_dim", t.integer("projection_dim", 512)));
        } catch (ConfigException e) {
            throw ConfigException.in(file, e);
        }
    }

    private static TextEncoderConfig read(Json j) {
        int hidden = j.integer("hidden_size");
        return new TextEncoderConfig(j.integer("vocab_size", 49408), hidden, j.integer("intermediate_size"),
                j.integer("num_hidden_layers"), j.integer("num_attention_heads"), j.integer("max_position_embeddings", 77),
                j.text("hidden_act", "quick_gelu"), j.number("layer_norm_eps", 1e-5),
                j.integer("bos_token_id", 49406), j.integer("eos_token_id", 49407), j.integer("pad_token_id", 1),
                j.integer("projection_dim", hidden));
    }

    /** From HF text-model keys; heads assumed of width 64 (CLIP-L: 12, OpenCLIP-H: 16), activation quick_gelu. */
    public static TextEncoderConfig detectFromWeights(WeightShapes w) {
        long[] tok = w.require("text_model.embeddings.token_embedding.weight", "vocab and hidden size");
        long[] pos = w.require("text_model.embeddings.position_embedding.weight", "max positions");
        long[] fc1 = w.require("text_model.encoder.layers.0.mlp.fc1.weight", "intermediate size");
        int layers = w.countIndexed("text_model.encoder.layers.");
        int hidden = (int) tok[1];
        return new TextEncoderConfig((int) tok[0], hidden, (int) fc1[0], layers, Math.max(1, hidden / 64), (int) pos[0],
                "quick_gelu", 1e-5, 49406, 2, 1, hidden);
    }
}
