/*
 * AdaptedWeight: one layer's reparameterised weight W(θ) [out, in] in the graph, the trainable
 * parameters θ, and the base weight W0 it replaced. merged() evaluates W(θ) eagerly — the weight a
 * merged checkpoint carries; delta() = W(θ) − W0.
 *
 * Two extras some methods need: buffers, frozen tensors that belong in the adapter file (VeRA's
 * shared random projections, LiDB's orthogonal auxiliary matrices), keyed by their file name; and a
 * constraint, an in-place projection of the parameters that the trainer applies after every
 * optimizer step (COFT's ‖R − I‖ ≤ ε ball, applied by peft before each forward).
 */
package dev.spectune.adapters;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base,
                            Map<String, INDArray> buffers, Runnable constraint) {

    public AdaptedWeight {
        buffers = Map.copyOf(buffers);
        if (constraint == null) constraint = () -> {};
    }

    /** A method with no buffers and no constraint. */
    public AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base) {
        this(key, method, weight, parameters, base, Map.of(), null);
    }

    public INDArray merged() {
        return weight.eval();
    }

    public INDArray delta() {
        return merged().sub(base);
    }

    /** Projects the parameters back onto the method's constraint set (a no-op for most methods). */
    public void constrain() {
        constraint.run();
    }

    public long parameterCount() {
        return parameters.stream().mapToLong(p -> p.value().length()).sum();
    }
}
