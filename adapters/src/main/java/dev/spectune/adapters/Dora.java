/*
 * Dora: weight-decomposed low-rank adaptation (Liu et al. 2024, "DoRA"), as peft's DoraLinearLayer:
 *
 *   W' = W0 + s·B·A                   (LoRA, A [r, in] kaiming-uniform, B [out, r] = 0, s = α/r or α/√r)
 *   W  = diag(m / ‖W'‖_row) · W'       m [out] initialised to ‖W0‖_row, so W = W0 at init
 *
 * ‖W'‖_row is the L2 norm of each output row (of the flattened [out, in·kh·kw] weight for a conv);
 * as in the paper §4.3 and peft it is detached — a constant for the gradient — which is what makes
 * DoRA's memory cost close to LoRA's (detachNorm = false keeps the exact gradient, for checks
 * against finite differences). Parameters: r·(in + out) + out.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class Dora {
    private Dora() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Lora.Options o) {
        return build(sd, key, w0, o, true);
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Lora.Options o, boolean detachNorm) {
        long out = w0.rows();
        LoraFactors f = LoraFactors.create(sd, key, w0, o);
        SDVariable adapted = sd.constant(Names.param(key, "lora_base"), w0).add(f.product());          // W' [out, in]
        SDVariable m = sd.var(Names.param(key, "lora_magnitude_vector"), w0.norm2(1));                  // [out]
        SDVariable rowNorm = sd.math().sqrt(adapted.mul(adapted).sum(true, 1));                           // [out, 1]
        if (detachNorm) rowNorm = GraphMath.stopGradient(sd, rowNorm);
        SDVariable w = adapted.mul(sd.reshape(m, out, 1).div(rowNorm));                                 // [out, in]
        return new AdaptedWeight(key, "dora", w, List.of(f.a(), f.b(), new AdapterParameter(m.name(), m, ParamKind.EUCLIDEAN)), w0);
    }
}
