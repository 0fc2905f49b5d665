/*
 * LayerSelection: the weights the spectrum tools look at — every rank-2 weight of one model
 * component whose key matches a pattern — and, given an adapter folder, the same weights with the
 * adapter merged (W = W(θ) evaluated eagerly, as a merged checkpoint would carry it).
 */
package dev.spectune.spectrum;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.adapters.io.AdapterDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class LayerSelection {
    private LayerSelection() {}

    /**
     * Rank-2 weights of {@code component} (of a pipeline; ignored when the path holds one component)
     * whose key matches {@code targets}, in sorted key order, read as {@code type}.
     */
    public static Map<String, INDArray> read(Path model, String component, Pattern targets, DataType type) {
        try (Checkpoint c = Checkpoint.open(model)) {
            WeightSource source = c.components().size() == 1 ? c.components().values().iterator().next() : c.component(component);
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (String key : source.keys().stream().sorted().toList()) {
                if (source.shape(key).length == 2 && targets.matcher(key).matches()) weights.put(key, source.read(key, type));
            }
            if (weights.isEmpty()) throw new CheckpointException(model + ": no rank-2 weight matches /" + targets.pattern() + "/ in " + source.description());
            return weights;
        }
    }

    /** The adapter's merged weights for every key it adapts among {@code weights} (float32, as adapters compute). */
    public static Map<String, INDArray> merged(Map<String, INDArray> weights, Path adapterDir) throws IOException {
        AdapterDirectory.Saved saved = AdapterDirectory.read(adapterDir);
        Pattern adapterTargets = Pattern.compile(saved.targets());
        SameDiff sd = SameDiff.create();
        for (var e : weights.entrySet()) {
            if (adapterTargets.matcher(e.getKey()).matches()) sd.constant(e.getKey(), e.getValue().castTo(DataType.FLOAT));
        }
        if (sd.variables().isEmpty()) {
            throw new CheckpointException(adapterDir + ": the adapter targets /" + saved.targets() + "/, which matches none of the selected layers");
        }
        List<AdaptedWeight> layers = AdapterDirectory.apply(sd, saved);
        Map<String, INDArray> merged = new LinkedHashMap<>();
        for (AdaptedWeight a : layers) merged.put(a.key(), a.merged());
        return merged;
    }
}
