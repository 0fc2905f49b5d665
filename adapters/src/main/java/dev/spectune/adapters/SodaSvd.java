/*
 * SodaSvd: SODA's spectral adapter on the SVD (Zhang et al. 2024, "Spectrum-Aware Parameter-Efficient
 * Fine-Tuning for Diffusion Models", arXiv 2405.21050: spectral orthogonal decomposition adaptation;
 * the authors' InjectedSODA_SVD in phymhan/SODA-Diffusion utils/pefts.py):
 *
 *   W0 = U·diag(σ)·Vᵀ (thin SVD, k = min(out, in))
 *   W  = U·diag(ReLU(σ + δ))·Vᵀ·Rᵀ,   R = Q1 ⊗ Q2 ⊗ … ⊗ Qm ∈ O(in)   (input side; output side: R·W)
 * δ ∈ R^k starts at 0 (exact identity) or at the authors' 1e-3; each Qi starts at I and lives on
 * the Stiefel manifold (ParamKind.STIEFEL). ReLU can be switched off. Parameters: k + Σ ki².
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Svd;
import dev.spectune.optim.ParamKind;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SodaSvd {
    private SodaSvd() {}

    /** @param inputFactors Kronecker sizes for the input side (Π = in), outputFactors for the output side (Π = out). */
    public record Options(double initialDelta, boolean relu, RotationSide side, int[] inputFactors, int[] outputFactors) {
        public Options {
            if (side != RotationSide.OUTPUT && inputFactors == null) throw new IllegalArgumentException("SODA input-side rotation needs input factors");
            if (side != RotationSide.INPUT && outputFactors == null) throw new IllegalArgumentException("SODA output-side rotation needs output factors");
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o) {
        return build(sd, key, w0, Svd.of(w0), o);
    }

    /** With a given decomposition (U [out, k], s [k], Vt [k, in]) — e.g. the one a reference implementation used. */
    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Svd svd, Options o) {
        long out = w0.rows(), in = w0.columns(), k = svd.s().length();
        List<AdapterParameter> params = new ArrayList<>();
        SDVariable delta = sd.var(Names.param(key, "soda_delta"), Nd4j.valueArrayOf(new long[] {k}, o.initialDelta(), w0.dataType()));
        params.add(new AdapterParameter(delta.name(), delta, ParamKind.EUCLIDEAN));
        SDVariable sigma = sd.constant(Names.param(key, "soda_S"), svd.s()).add(delta);                       // [k]
        if (o.relu()) sigma = sd.nn().relu(sigma, 0.0);
        sigma = sigma.rename(effectiveSpectrumName(key));                                                   // ReLU(σ + δ) [k]
        SDVariable u = sd.constant(Names.param(key, "soda_U"), svd.u());                                     // [out, k]
        SDVariable vt = sd.constant(Names.param(key, "soda_Vh"), svd.vt());                                  // [k, in]
        SDVariable w = u.mul(sd.reshape(sigma, 1, k)).mmul(vt);                                              // [out, in]
        if (o.side() != RotationSide.OUTPUT) {
            w = GraphMath.timesKroneckerTranspose(sd, w, out, factors(sd, key, "soda_Q", o.inputFactors(), w0, params), o.inputFactors());
        }
        if (o.side() != RotationSide.INPUT) {
            SDVariable wt = sd.permute(w, 1, 0);                                                             // [in, out]
            wt = GraphMath.timesKroneckerTranspose(sd, wt, in, factors(sd, key, "soda_Qout", o.outputFactors(), w0, params), o.outputFactors());
            w = sd.permute(wt, 1, 0);                                                                        // R·W
        }
        return new AdaptedWeight(key, "soda-svd", w, List.copyOf(params), w0);
    }

    /** The graph variable holding the kept spectrum ReLU(σ + δ) [k] of the adapter on {@code key}. */
    public static String effectiveSpectrumName(String key) {
        return Names.param(key, "soda_S_eff");
    }

    static SDVariable[] factors(SameDiff sd, String key, String prefix, int[] sizes, INDArray like, List<AdapterParameter> params) {
        SDVariable[] q = new SDVariable[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            q[i] = sd.var(Names.param(key, prefix + (i + 1)), Nd4j.eye(sizes[i]).castTo(like.dataType()));
            params.add(new AdapterParameter(q[i].name(), q[i], ParamKind.STIEFEL));
        }
        return q;
    }
}
