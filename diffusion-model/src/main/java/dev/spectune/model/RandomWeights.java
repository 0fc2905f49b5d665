/*
 * RandomWeights: a WeightSource of seeded random tensors for a given state dict (names and
 * shapes, e.g. from UNet2DConditionModel.parameterShapes) — for benchmarks of full-size models
 * whose real weights are not at hand. Norm scales are 1, biases and norm shifts 0, other weights
 * N(0, 1/fan_in) so activations stay in range through deep stacks.
 */
package dev.spectune.model;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class RandomWeights implements WeightSource {

    private final Map<String, long[]> shapes;
    private final long seed;

    public RandomWeights(Map<String, long[]> shapes, long seed) {
        this.shapes = new LinkedHashMap<>(shapes);
        this.seed = seed;
    }

    @Override
    public String description() {
        return "random weights (seed " + seed + ")";
    }

    @Override
    public Set<String> keys() {
        return shapes.keySet();
    }

    @Override
    public long[] shape(String key) {
        long[] s = shapes.get(key);
        if (s == null) throw new CheckpointException(description() + ": no weight '" + key + "'");
        return s.clone();
    }

    @Override
    public INDArray read(String key, DataType type) {
        long[] s = shape(key);
        boolean norm = key.contains("norm");
        if (key.endsWith(".bias")) return Nd4j.zeros(type, s);
        if (norm && s.length == 1) return Nd4j.ones(type, s);
        long fanIn = 1;
        for (int i = 1; i < s.length; i++) fanIn *= s[i];
        Nd4j.getRandom().setSeed(seed + key.hashCode());
        return Nd4j.randn(type, s).muli(1.0 / Math.sqrt(Math.max(1, fanIn)));
    }

    @Override
    public String storedDtype(String key) {
        return "F32";
    }

    @Override
    public void close() {
        // nothing held
    }
}
