/*
 * Svdiff: SVDiff's spectral shift (Han et al. 2023): W = U·diag(ReLU(σ + δ))·Vᵀ, δ0 = 0.
 * Parameters: k = min(out, in).
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Svd;
import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Svdiff {
    private Svdiff() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0) {
        return build(sd, key, w0, Svd.of(w0));
    }

    /** With a given decomposition (U [out, k], s [k], Vt [k, in]). */
    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Svd svd) {
        long k = svd.s().length();
        SDVariable delta = sd.var(Names.param(key, "svdiff_delta"), Nd4j.zeros(w0.dataType(), k));
        SDVariable sigma = sd.nn().relu(sd.constant(Names.param(key, "svdiff_S"), svd.s()).add(delta), 0.0);
        SDVariable w = sd.constant(Names.param(key, "svdiff_U"), svd.u()).mul(sd.reshape(sigma, 1, k))
                .mmul(sd.constant(Names.param(key, "svdiff_Vh"), svd.vt()));
        return new AdaptedWeight(key, "svdiff", w, List.of(new AdapterParameter(delta.name(), delta, ParamKind.EUCLIDEAN)), w0);
    }
}
