/*
 * TrainableTextEncoder: the CLIP text encoder trained together with the UNet (diffusers'
 * --train_text_encoder): with adapters on chosen layers (forAdapters, what training does), or with
 * every weight trainable (full fine-tuning, what the train-step parity checks against autograd).
 * Its graph is separate from the UNet's; the gradient crosses between them by the chain rule: the
 * UNet graph differentiates the objective with respect to the text embeddings h it read (dL/dh),
 * and this graph differentiates Σ h ⊙ dL/dh — exactly dL/dθ_text.
 */
package dev.spectune.training;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.Decompositions;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.plan.GradientPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class TrainableTextEncoder {

    private final TextEncoderConfig config;
    private final ModelGraph graph;
    private final List<AdaptedWeight> adapted;
    private final List<String> parameterNames;
    private GradientPlan plan;                                        // the backward, compiled on first use

    /**
     * @param graph          the text encoder, built for {@code batch} sequences of length {@code length}
     * @param adapted        its adapted layers (empty when whole weights train)
     * @param parameterNames the names of the graph variables that train
     */
    public TrainableTextEncoder(TextEncoderConfig config, ModelGraph graph, List<AdaptedWeight> adapted, List<String> parameterNames, int batch, int length) {
        this.config = config;
        this.graph = graph;
        this.adapted = List.copyOf(adapted);
        this.parameterNames = List.copyOf(parameterNames);
        SameDiff sd = graph.sd();
        SDVariable upstream = sd.placeHolder("upstream_grad", DataType.FLOAT, batch, length, config.hiddenSize());        // dL/dh [B, T, D]
        sd.setLossVariables(graph.get("last_hidden_state").mul(upstream).sum().rename("chain_loss"));                 // Σ h ⊙ dL/dh
    }

    /** The pipeline's text encoder with {@code spec}'s adapters on the layers {@code targets} matches. */
    static TrainableTextEncoder forAdapters(StableDiffusionPipeline pipe, int batch, String targets, AdapterSpec spec, Decompositions svds) {
        TextEncoderConfig config = pipe.textConfig();
        ModelGraph graph = ClipTextModel.build(config, pipe.component("text_encoder"), DataType.FLOAT, batch, ClipTokenizer.MODEL_MAX_LENGTH);
        List<AdaptedWeight> adapted = AdapterInjector.inject(graph.sd(), Pattern.compile(targets), spec.builder(Map.of(), svds));
        List<String> names = new ArrayList<>();
        adapted.forEach(a -> a.parameters().forEach(p -> names.add(p.name())));
        return new TrainableTextEncoder(config, graph, adapted, names, batch, ClipTokenizer.MODEL_MAX_LENGTH);
    }

    List<AdaptedWeight> adapted() {
        return adapted;
    }

    /** h = last_hidden_state [B, T, D] of ids [B, T] under the current parameter values. */
    public INDArray forward(INDArray ids) {
        return graph.run(feed(ids), "last_hidden_state").get("last_hidden_state");
    }

    /** dL/dθ_text of every trained parameter, given dL/dh [B, T, D]. */
    public Map<String, INDArray> backward(INDArray ids, INDArray upstream) {
        Map<String, INDArray> feed = new HashMap<>(feed(ids));
        feed.put("upstream_grad", upstream);
        if (plan == null) plan = new GradientPlan(graph.sd(), List.of(), parameterNames);
        return plan.run(feed).gradients();
    }

    /** Drops the buffers of its plans (forward and backward); the next pass allocates them again. */
    void releaseBuffers() {
        graph.releaseBuffers();
        if (plan != null) plan.plan().releaseBuffers();
    }

    private Map<String, INDArray> feed(INDArray ids) {
        return Map.of("input_ids", ids, "pool_index", ClipTextModel.poolIndex(config, ids));
    }
}
