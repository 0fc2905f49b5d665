/*
 * AdaptedWeight: one layer's reparameterised weight W(θ) [out, in] in the graph, the trainable
 * parameters θ, and the base weight W0 it replaced. merged() evaluates W(θ) eagerly — the weight a
 * merged checkpoint carries; delta() = W(θ) − W0.
 *
 * Two extras some methods need: buffers, frozen tensors that belong in the adapter file (VeRA's
 * shared random projections, LiDB's orthogonal auxiliary matrices), keyed by their file name; and a
 * constraint, an in-place projection of the parameters that the trainer applies after every
 * optimizer step (COFT's ‖R − I‖ ≤ ε ball, applied by peft before each forward). sourceShape is
 * the weight's PyTorch shape — [out, in], or [out, in, kh, kw] for a conv adapted as its flattened
 * [out, in·kh·kw] — so files can store conv factors the way peft does. bias is the layer's bias
 * as the method rewrote it (only IA3 scales a bias), or null.
 *
 * inputForm, when a method has one, computes the adapted layer's output from its input without
 * forming W(θ) (peft's LoraLayer.forward: base_layer(x) + s·lora_B(lora_A(x))); the injector then
 * keeps the layer's frozen matmul x·W0ᵀ and adds the method's term, so no weight-sized array is made
 * or differentiated each step. weight stays in the graph for merged() and the adapter file.
 */
package dev.spectune.adapters;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base,
                            Map<String, INDArray> buffers, Runnable constraint, long[] sourceShape, BiasUpdate bias, InputForm inputForm) {

    /** The adapted linear layer applied to its input: x [N, in] and the frozen layer's x·W0ᵀ [N, out] give x·W(θ)ᵀ [N, out]. */
    @FunctionalInterface
    public interface InputForm {
        SDVariable apply(SameDiff sd, SDVariable x, SDVariable baseOutput);
    }

    /** A bias the method rewrote: its checkpoint key, the new value in the graph, and the original. */
    public record BiasUpdate(String key, SDVariable value, INDArray base) {
        public INDArray delta() {
            return value.eval().sub(base);
        }
    }

    public AdaptedWeight {
        buffers = Map.copyOf(buffers);
        if (constraint == null) constraint = () -> {};
        sourceShape = sourceShape == null ? base.shape() : sourceShape.clone();
    }

    /** A linear layer's method with buffers or a constraint. */
    public AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base,
                         Map<String, INDArray> buffers, Runnable constraint) {
        this(key, method, weight, parameters, base, buffers, constraint, null, null, null);
    }

    /** A linear layer's method with no buffers and no constraint. */
    public AdaptedWeight(String key, String method, SDVariable weight, List<AdapterParameter> parameters, INDArray base) {
        this(key, method, weight, parameters, base, Map.of(), null, null, null, null);
    }

    /** The same adapter, recorded as adapting a weight of PyTorch shape {@code shape} (a conv's [out, in, kh, kw]). */
    public AdaptedWeight withSourceShape(long[] shape) {
        return new AdaptedWeight(key, method, weight, parameters, base, buffers, constraint, shape, bias, inputForm);
    }

    /** The same adapter, applied to the layer's input by {@code form} where the layer is a plain linear one. */
    public AdaptedWeight withInputForm(InputForm form) {
        return new AdaptedWeight(key, method, weight, parameters, base, buffers, constraint, sourceShape, bias, form);
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
