/* AdapterParameter: a trainable graph variable of an adapter and the space it lives in (Euclidean or Stiefel). */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdapterParameter(String name, SDVariable variable, ParamKind kind) {

    /** The current value (the array the optimizer updates in place). */
    public INDArray value() {
        return variable.getArr();
    }
}
