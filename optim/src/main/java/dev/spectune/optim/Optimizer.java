/*
 * Optimizer: steps a fixed set of named parameters in place. The state (every buffer and counter)
 * is exposed as named tensors and scalars so a training checkpoint can store it and a resumed run
 * continue bit for bit.
 */
package dev.spectune.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public interface Optimizer {

    /** The parameters this optimizer owns, by name (the arrays it updates in place). */
    Map<String, INDArray> parameters();

    /** One update from the gradients (by parameter name; a missing gradient skips that parameter). */
    void step(Map<String, INDArray> gradients);

    double learningRate();

    void setLearningRate(double lr);

    /** Buffers, keyed "param/buffer". */
    Map<String, INDArray> stateTensors();

    /** Counters and the like, keyed "param/counter" or plain names. */
    Map<String, Double> stateScalars();

    /** Restores what {@link #stateTensors} and {@link #stateScalars} returned (copies are taken). */
    void loadState(Map<String, INDArray> tensors, Map<String, Double> scalars);
}
