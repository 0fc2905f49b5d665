/*
 * ClipTextModel: transformers' CLIPTextModel (modeling_clip.py) as a SameDiff graph, for the
 * text encoders of Stable Diffusion 1.x/2.x.
 *
 *   h0 = token_embedding[ids] + position_embedding[0..T)                       [B, T, D]
 *   for each layer: h += self_attn(layer_norm1(h), causal);  h += mlp(layer_norm2(h))
 *   last_hidden_state = final_layer_norm(h_L)
 *   pooler_output = last_hidden_state[b, pool_index[b]]   (EOS position, see {@link #poolIndex})
 *
 * Taps: "hidden_states.i" (i = 0..L: embeddings, then after each layer, as output_hidden_states
 * gives them), "last_hidden_state", "pooler_output", and "clip_skip.n" = final_layer_norm(
 * hidden_states[L − n]) — diffusers' clip_skip = n − 1, A1111's "clip skip n".
 */
package dev.spectune.model;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Embedding;
import dev.spectune.ops.Graphs;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class ClipTextModel {
    private ClipTextModel() {}

    /** Builds the graph for [batch, length] ids; inputs "input_ids" (INT64) and "pool_index" (INT64 [B]). */
    public static ModelGraph build(TextEncoderConfig config, WeightSource weights, DataType type, int batch, int length) {
        return build(config, weights, type, batch, length, false);
    }

    /** The text tower of a whole CLIPModel checkpoint: only its text_model.* keys are this graph's (the vision tower's are another's). */
    public static ModelGraph buildTower(TextEncoderConfig config, WeightSource weights, DataType type, int batch, int length) {
        return build(config, weights, type, batch, length, false, "text_model.");
    }

    /** @param trainable weights as trainable variables (full fine-tuning; embeddings then use the one-hot lookup) */
    public static ModelGraph build(TextEncoderConfig config, WeightSource weights, DataType type, int batch, int length, boolean trainable) {
        return build(config, weights, type, batch, length, trainable, "");
    }

    private static ModelGraph build(TextEncoderConfig config, WeightSource weights, DataType type, int batch, int length, boolean trainable, String owned) {
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds max_position_embeddings " + config.maxPositionEmbeddings());
        }
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "").trainable(trainable);
        graph(config, g, w, type, batch, length);
        w.finish(owned);
        return g;
    }

    /** The state dict this config implies, with PyTorch shapes. */
    public static java.util.Map<String, long[]> parameterShapes(TextEncoderConfig config) {
        SameDiff sd = Graphs.create();
        WeightBinder w = WeightBinder.shapesOnly(sd, DataType.FLOAT);
        graph(config, new ModelGraph(sd, DataType.FLOAT), w, DataType.FLOAT, 1, config.maxPositionEmbeddings());
        return w.requested();
    }

    private static void graph(TextEncoderConfig config, ModelGraph g, WeightBinder w, DataType type, int batch, int length) {
        SameDiff sd = g.sd();
        int d = config.hiddenSize();
        String p = "text_model.";

        SDVariable ids = g.input("input_ids", DataType.INT64, batch, length);                          // [B, T]
        SDVariable poolIndex = g.input("pool_index", DataType.INT64, batch);                           // [B]
        SDVariable tokens = Embedding.lookup(sd, w.param(p + "embeddings.token_embedding.weight", config.vocabSize(), d), ids, d); // [B, T, D]
        SDVariable positions = sd.constant("position_ids", Nd4j.arange(length).castTo(DataType.INT64).reshape(1, length));
        SDVariable pos = Embedding.lookup(sd, w.param(p + "embeddings.position_embedding.weight", config.maxPositionEmbeddings(), d), positions, d); // [1, T, D]
        SDVariable h = g.tap("hidden_states.0", tokens.add(pos));                                      // [B, T, D]

        SDVariable mask = Attention.causalMask(sd, "causal_mask", length, type);                       // [T, T]
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String l = p + "encoder.layers." + i + ".";
            SDVariable x = Norms.layerNorm(sd, h, d, config.layerNormEps(), w.param(l + "layer_norm1.weight", d), w.param(l + "layer_norm1.bias", d));
            SDVariable q = Linear.apply(sd, x, w.param(l + "self_attn.q_proj.weight", d, d), w.param(l + "self_attn.q_proj.bias", d)); // [B, T, D]
            SDVariable k = Linear.apply(sd, x, w.param(l + "self_attn.k_proj.weight", d, d), w.param(l + "self_attn.k_proj.bias", d));
            SDVariable v = Linear.apply(sd, x, w.param(l + "self_attn.v_proj.weight", d, d), w.param(l + "self_attn.v_proj.bias", d));
            SDVariable a = Attention.scaledDotProduct(sd, q, k, v, config.numAttentionHeads(), d, mask);              // [B, T, D]
            h = h.add(Linear.apply(sd, a, w.param(l + "self_attn.out_proj.weight", d, d), w.param(l + "self_attn.out_proj.bias", d)));
            x = Norms.layerNorm(sd, h, d, config.layerNormEps(), w.param(l + "layer_norm2.weight", d), w.param(l + "layer_norm2.bias", d));
            int f = config.intermediateSize();
            SDVariable m = Linear.apply(sd, x, w.param(l + "mlp.fc1.weight", f, d), w.param(l + "mlp.fc1.bias", f));  // [B, T, F]
            m = "gelu".equals(config.hiddenAct()) ? Activations.gelu(sd, m) : Activations.quickGelu(sd, m);
            h = g.tap("hidden_states." + (i + 1), h.add(Linear.apply(sd, m, w.param(l + "mlp.fc2.weight", d, f), w.param(l + "mlp.fc2.bias", d))));
        }
        SDVariable lnW = w.param(p + "final_layer_norm.weight", d), lnB = w.param(p + "final_layer_norm.bias", d);
        SDVariable last = g.tap("last_hidden_state", Norms.layerNorm(sd, h, d, config.layerNormEps(), lnW, lnB)); // [B, T, D]
        for (int skip = 2; skip <= config.numHiddenLayers(); skip++) {
            SDVariable earlier = g.get("hidden_states." + (config.numHiddenLayers() + 1 - skip));
            g.tap("clip_skip." + skip, Norms.layerNorm(sd, earlier, d, config.layerNormEps(), lnW, lnB));
        }
        SDVariable flat = sd.reshape(last, -1, d);                                                     // [B·T, D]
        SDVariable rowIndex = poolIndex.add(sd.constant(Nd4j.arange(batch).castTo(DataType.INT64).muli(length)));  // [B]
        g.tap("pooler_output", sd.gather(flat, rowIndex, 0));                                          // [B, D]
    }

    /**
     * The pooled position of each sequence: the EOS token. transformers keeps SD-1.x's legacy rule
     * when eos_token_id == 2 (argmax of the ids, as EOS has the largest id); otherwise the first
     * position holding eos_token_id.
     *
     * @param ids [B, T]
     * @return [B] INT64
     */
    public static INDArray poolIndex(TextEncoderConfig config, INDArray ids) {
        long batch = ids.rows(), length = ids.columns();
        long[] index = new long[(int) batch];
        for (int b = 0; b < batch; b++) {
            long best = 0;
            for (int t = 0; t < length; t++) {
                long id = ids.getLong(b, t);
                if (config.legacyArgmaxPooling()) {
                    if (id > ids.getLong(b, best)) best = t;
                } else if (id == config.eosTokenId()) {
                    best = t;
                    break;
                }
            }
            index[b] = best;
        }
        return Nd4j.createFromArray(index);
    }
}
