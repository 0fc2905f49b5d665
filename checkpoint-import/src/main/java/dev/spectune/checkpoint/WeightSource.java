/*
 * WeightSource: the weights of one network under diffusers names, whatever file layout holds them
 * (a diffusers folder, a component of a single-file checkpoint). Shapes are available without
 * reading data; tensors are read on demand.
 */
package dev.spectune.checkpoint;

import dev.spectune.checkpoint.config.WeightShapes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public interface WeightSource extends AutoCloseable {

    /** What this is, for messages (a path and component). */
    String description();

    /** Diffusers key names, in file order. */
    Set<String> keys();

    /** Shape under the diffusers layout (e.g. VAE attention projections as [C, C]). */
    long[] shape(String key);

    /** Reads a tensor under the diffusers layout, decoded to {@code type}. */
    INDArray read(String key, DataType type);

    /** The safetensors dtype name as stored (F32, F16, BF16 …). */
    String storedDtype(String key);

    default WeightShapes shapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String k : keys()) m.put(k, shape(k));
        return new WeightShapes(m);
    }

    default long parameterCount() {
        long n = 0;
        for (String k : keys()) {
            long c = 1;
            for (long d : shape(k)) c *= d;
            n += c;
        }
        return n;
    }

    @Override
    void close();
}
