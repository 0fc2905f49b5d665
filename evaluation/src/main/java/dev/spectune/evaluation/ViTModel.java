/*
 * ViTModel: transformers' ViTModel(add_pooling_layer=False) (v4.36, modeling_vit.py) as a SameDiff
 * graph, with its checkpoint's key names — the DINO ViT of the DreamBooth metric, whose CLS row of
 * last_hidden_state is the DINO embedding.
 *   embeddings: patch conv (with bias) → [B, N, D]; [cls_token; patches] + position_embeddings
 *     (interpolated for another input size: PositionInterpolation); no pre-norm
 *   layer: x += attention.output.dense(attn(layernorm_before(x)));
 *          x += output.dense(gelu(intermediate.dense(layernorm_after(x))))   (exact-erf gelu)
 *   then layernorm on every token.
 * Taps: "hidden_states.0" (embeddings), "hidden_states.i", "last_hidden_state", "cls" ([B, D]).
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

public final class ViTModel {
    private ViTModel() {}

    /** The graph for [batch, channels, height, width] pixel values (input "pixel_values"). */
    public static ModelGraph build(ViTConfig c, WeightSource weights, DataType type, int batch, int height, int width) {
        if (height % c.patchSize() != 0 || width % c.patchSize() != 0) {
            throw new IllegalArgumentException("ViT input " + height + "x" + width + " is not a multiple of the patch size " + c.patchSize());
        }
        SameDiff sd = Graphs.create();
        ModelGraph g = new ModelGraph(sd, type);
        WeightBinder w = new WeightBinder(sd, weights, type, "");
        graph(c, g, w, type, batch, height, width);
        w.finish();
        return g;
    }

    /** The state dict a config implies (names and PyTorch shapes), from the graph itself: its length is the parameter count's source. */
    public static java.util.Map<String, long[]> parameterShapes(ViTConfig c) {
        SameDiff sd = Graphs.create();
        WeightBinder w = WeightBinder.shapesOnly(sd, DataType.FLOAT);
        graph(c, new ModelGraph(sd, DataType.FLOAT), w, DataType.FLOAT, 1, c.imageSize(), c.imageSize());
        return w.requested();
    }

    private static void graph(ViTConfig c, ModelGraph g, WeightBinder w, DataType type, int batch, int height, int width) {
        SameDiff sd = g.sd();
        int p = c.patchSize(), d = c.hiddenSize(), n = (height / p) * (width / p), grid = c.gridSize();

        SDVariable x = g.input("pixel_values", type, batch, c.numChannels(), height, width);              // [B, C, H, W]
        SDVariable patches = Conv2d.apply(sd, x, w.conv("embeddings.patch_embeddings.projection.weight", d, c.numChannels(), p),
                w.param("embeddings.patch_embeddings.projection.bias", d), p, 0, 1);                      // [B, D, H/p, W/p]
        patches = sd.permute(sd.reshape(patches, batch, d, n), 0, 2, 1);                                   // [B, N, D]
        SDVariable cls = w.param("embeddings.cls_token", 1, 1, d).mul(sd.constant(Nd4j.ones(type, batch, 1, 1)));  // [B, 1, D]
        SDVariable table = w.param("embeddings.position_embeddings", 1, (long) grid * grid + 1, d);        // [1, 1 + grid², D]
        SDVariable positions = (long) grid * grid == n && height == width ? table
                : sd.constant("interpolated_position_embeddings", PositionInterpolation.forInput(table.getArr(), height, width, p));   // [1, 1 + N, D]
        g.tap("position_embeddings", positions);
        SDVariable h = g.tap("hidden_states.0", sd.concat(1, cls, patches).add(positions));               // [B, 1 + N, D]

        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = "encoder.layer." + i + ".";
            SDVariable a = Norms.layerNorm(sd, h, d, c.layerNormEps(), w.param(l + "layernorm_before.weight", d), w.param(l + "layernorm_before.bias", d));
            SDVariable q = Linear.apply(sd, a, w.param(l + "attention.attention.query.weight", d, d), bias(w, c, l + "attention.attention.query.bias", d));
            SDVariable k = Linear.apply(sd, a, w.param(l + "attention.attention.key.weight", d, d), bias(w, c, l + "attention.attention.key.bias", d));
            SDVariable v = Linear.apply(sd, a, w.param(l + "attention.attention.value.weight", d, d), bias(w, c, l + "attention.attention.value.bias", d));
            SDVariable attn = Attention.scaledDotProduct(sd, q, k, v, c.numAttentionHeads(), d, null);     // [B, 1 + N, D]
            h = h.add(Linear.apply(sd, attn, w.param(l + "attention.output.dense.weight", d, d), w.param(l + "attention.output.dense.bias", d)));
            SDVariable m = Norms.layerNorm(sd, h, d, c.layerNormEps(), w.param(l + "layernorm_after.weight", d), w.param(l + "layernorm_after.bias", d));
            int f = c.intermediateSize();
            m = Activations.gelu(sd, Linear.apply(sd, m, w.param(l + "intermediate.dense.weight", f, d), w.param(l + "intermediate.dense.bias", f)));  // [B, 1 + N, F]
            h = g.tap("hidden_states." + (i + 1), h.add(Linear.apply(sd, m, w.param(l + "output.dense.weight", d, f), w.param(l + "output.dense.bias", d))));
        }
        SDVariable last = g.tap("last_hidden_state", Norms.layerNorm(sd, h, d, c.layerNormEps(), w.param("layernorm.weight", d), w.param("layernorm.bias", d)));
        g.tap("cls", last.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()));                          // [B, D]
    }

    private static SDVariable bias(WeightBinder w, ViTConfig c, String key, int d) {
        return c.qkvBias() ? w.param(key, d) : null;
    }
}
