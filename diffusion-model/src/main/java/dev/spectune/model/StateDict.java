/*
 * StateDict: a WeightSource over tensors held in memory (PyTorch layout, by checkpoint key) — a
 * model's weights as training leaves them, bound into another graph without a file in between
 * (the world pretraining's frozen VAE encoder reads the autoencoder it has just trained).
 */
package dev.spectune.model;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class StateDict implements WeightSource {

    private final String description;
    private final Map<String, INDArray> tensors;

    public StateDict(String description, Map<String, INDArray> tensors) {
        this.description = description;
        this.tensors = new LinkedHashMap<>(tensors);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Set<String> keys() {
        return tensors.keySet();
    }

    @Override
    public long[] shape(String key) {
        return get(key).shape().clone();
    }

    @Override
    public INDArray read(String key, DataType type) {
        return get(key).castTo(type).dup('c');                                  // a copy: the graph never shares the caller's array
    }

    @Override
    public String storedDtype(String key) {
        return get(key).dataType() == DataType.DOUBLE ? "F64" : "F32";
    }

    private INDArray get(String key) {
        INDArray t = tensors.get(key);
        if (t == null) throw new CheckpointException(description + ": no weight '" + key + "'");
        return t;
    }

    @Override
    public void close() {
        // nothing held beyond the map
    }
}
