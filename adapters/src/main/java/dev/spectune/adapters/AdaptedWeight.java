/*
 * AdaptedWeight: one layer's reparameterised weight W(θ) [out, in] in the graph, the trainable
 * parameters θ, and the base weight W0 it replaced. merged() evaluates W(θ) eagerly — the weight a
 * merged checkpoint carries; delta() = W(θ) − W0.
 */
package dev.spectune.adapters;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base) {

    public INDArray merged() {
        return weight.eval();
    }

    public INDArray delta() {
        return merged().sub(base);
    }

    public long parameterCount() {
        return parameters.stream().mapToLong(p -> p.value().length()).sum();
    }
}
