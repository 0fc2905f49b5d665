/*
 * ClipVisionModel: transformers' CLIPVisionModel + CLIPModel.visual_projection (v4.36,
 * modeling_clip.py) as a SameDiff graph with the CLIPModel checkpoint's key names:
 *   embeddings: patch conv (no bias) → [B, N, D]; [class_embedding; patches] + position_embedding
 *   pre_layrnorm (sic: the key name); pre-LN layers x += out_proj(attn(layer_norm1(x))),
 *   x += fc2(act(fc1(layer_norm2(x)))) with quick_gelu (or gelu, from the config);
 *   last_hidden_state is NOT post-normed; pooler = post_layernorm(last[:, 0]);
 *   image features = visual_projection(pooler) (no bias).
 * Taps: "vision_embeddings", "hidden_states.0", "last_hidden_state", "pooler_output", "image_embeds_unnormalized".
 */
package dev.spectune.evaluation;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.WeightBinder;
import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Graphs;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

public final class ClipVisionModel {
    private ClipVisionModel() {}

    /** The graph for [batch, channels, image, image] pixel values (input "pixel_values"); CLIP in transformers 4.36 takes its own image size only. */
    public static ModelGraph build(ClipVisionConfig c, WeightSource weights, DataType type, int batch) {
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        graph(c, g, w, type, batch);
        w.finish("vision_model.", "visual_projection.");
        return g;
    }

    /** The state dict a config implies (vision_model.* and visual_projection.weight, PyTorch shapes). */
    public static java.util.Map<String, long[]> parameterShapes(ClipVisionConfig c) {
        SameDiff sd = Graphs.create();
        WeightBinder w = WeightBinder.shapesOnly(sd, DataType.FLOAT);
        graph(c, new ModelGraph(sd, DataType.FLOAT), w, DataType.FLOAT, 1);
        return w.requested();
    }

    private static void graph(ClipVisionConfig c, ModelGraph g, WeightBinder w, DataType type, int batch) {
        SameDiff sd = g.sd();
        int d = c.hiddenSize(), p = c.patchSize(), grid = c.imageSize() / p, n = grid * grid;
        String e = "vision_model.embeddings.";
        SDVariable x = g.input("pixel_values", type, batch, c.numChannels(), c.imageSize(), c.imageSize());   // [B, C, S, S]
        SDVariable patches = Conv2d.apply(sd, x, w.conv(e + "patch_embedding.weight", d, c.numChannels(), p), null, p, 0, 1);  // [B, D, S/p, S/p]
        patches = sd.permute(sd.reshape(patches, batch, d, n), 0, 2, 1);                                 // [B, N, D]
        SDVariable cls = sd.reshape(w.param(e + "class_embedding", d), 1, 1, d).mul(sd.constant(Nd4j.ones(type, batch, 1, 1)));  // [B, 1, D]
        SDVariable emb = g.tap("vision_embeddings", sd.concat(1, cls, patches).add(w.param(e + "position_embedding.weight", n + 1, d)));  // [B, 1 + N, D]
        SDVariable h = g.tap("hidden_states.0", Norms.layerNorm(sd, emb, d, c.layerNormEps(), w.param("vision_model.pre_layrnorm.weight", d),
                w.param("vision_model.pre_layrnorm.bias", d)));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = "vision_model.encoder.layers." + i + ".";
            SDVariable a = Norms.layerNorm(sd, h, d, c.layerNormEps(), w.param(l + "layer_norm1.weight", d), w.param(l + "layer_norm1.bias", d));
            SDVariable q = Linear.apply(sd, a, w.param(l + "self_attn.q_proj.weight", d, d), w.param(l + "self_attn.q_proj.bias", d));
            SDVariable k = Linear.apply(sd, a, w.param(l + "self_attn.k_proj.weight", d, d), w.param(l + "self_attn.k_proj.bias", d));
            SDVariable v = Linear.apply(sd, a, w.param(l + "self_attn.v_proj.weight", d, d), w.param(l + "self_attn.v_proj.bias", d));
            SDVariable attn = Attention.scaledDotProduct(sd, q, k, v, c.numAttentionHeads(), d, null);    // [B, 1 + N, D]
            h = h.add(Linear.apply(sd, attn, w.param(l + "self_attn.out_proj.weight", d, d), w.param(l + "self_attn.out_proj.bias", d)));
            SDVariable m = Norms.layerNorm(sd, h, d, c.layerNormEps(), w.param(l + "layer_norm2.weight", d), w.param(l + "layer_norm2.bias", d));
            int f = c.intermediateSize();
            m = Linear.apply(sd, m, w.param(l + "mlp.fc1.weight", f, d), w.param(l + "mlp.fc1.bias", f));   // [B, 1 + N, F]
            m = c.hiddenAct().equals("gelu") ? Activations.gelu(sd, m) : Activations.quickGelu(sd, m);
            h = g.tap("hidden_states." + (i + 1), h.add(Linear.apply(sd, m, w.param(l + "mlp.fc2.weight", d, f), w.param(l + "mlp.fc2.bias", d))));
        }
        g.tap("last_hidden_state", h);
        SDVariable pooled = g.tap("pooler_output", Norms.layerNorm(sd, h.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()), d, c.layerNormEps(),
                w.param("vision_model.post_layernorm.weight", d), w.param("vision_model.post_layernorm.bias", d)));   // [B, D]
        g.tap("image_embeds_unnormalized", sd.mmul(pooled, w.param("visual_projection.weight", c.projectionDim(), d), false, true, false));  // [B, P]
    }
}
