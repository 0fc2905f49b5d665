/*
 * TrainableTextEncoder: the CLIP text encoder with adapters, for training it together with the
 * UNet (diffusers' --train_text_encoder, with adapters instead of full weights). Its graph is
 * separate from the UNet's; the gradient crosses between them by the chain rule: the UNet graph
 * differentiates the objective with respect to the text embeddings h it read (dL/dh), and this
 * graph differentiates Σ h ⊙ dL/dh — exactly dL/dθ_text.
 */
package dev.spectune.training;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.Decompositions;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class TrainableTextEncoder {

    private final TextEncoderConfig config;
    private final ModelGraph graph;
    private final List<AdaptedWeight> adapted;
    private final List<String> parameterNames = new ArrayList<>();

    TrainableTextEncoder(StableDiffusionPipeline pipe, int batch, String targets, AdapterSpec spec, Decompositions svds) {
        this.config = pipe.textConfig();
        this.graph = ClipTextModel.build(config, pipe.component("text_encoder"), DataType.FLOAT, batch, ClipTokenizer.MODEL_MAX_LENGTH);
        this.adapted = AdapterInjector.inject(graph.sd(), Pattern.compile(targets), spec.builder(Map.of(), svds));
        adapted.forEach(a -> a.parameters().forEach(p -> parameterNames.add(p.name())));
        SameDiff sd = graph.sd();
        SDVariable upstream = sd.placeHolder("upstream_grad", DataType.FLOAT, batch, ClipTokenizer.MODEL_MAX_LENGTH, config.hiddenSize());
        sd.setLossVariables(graph.get("last_hidden_state").mul(upstream).sum().rename("chain_loss"));    // Σ h ⊙ dL/dh
    }

    List<AdaptedWeight> adapted() {
        return adapted;
    }

    /** h = last_hidden_state [B, 77, D] of ids [B, 77] under the current adapter values. */
    INDArray forward(INDArray ids) {
        return graph.run(feed(ids), "last_hidden_state").get("last_hidden_state");
    }

    /** dL/dθ_text of every adapter parameter, given dL/dh [B, 77, D]. */
    Map<String, INDArray> backward(INDArray ids, INDArray upstream) {
        Map<String, INDArray> feed = new java.util.HashMap<>(feed(ids));
        feed.put("upstream_grad", upstream);
        return graph.sd().calculateGradients(feed, parameterNames);
    }

    private Map<String, INDArray> feed(INDArray ids) {
        return Map.of("input_ids", ids, "pool_index", ClipTextModel.poolIndex(config, ids));
    }

    /** Every adapter parameter of the text encoder, for the optimizer. */
    List<AdapterParameter> parameters() {
        List<AdapterParameter> out = new ArrayList<>();
        adapted.forEach(a -> out.addAll(a.parameters()));
        return out;
    }
}
