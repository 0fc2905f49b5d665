/*
 * SodaSvd: SODA's spectral adapter on the SVD (Zhang et al. 2024, "Spectrum-Aware Parameter-Efficient
 * Fine-Tuning for Diffusion Models", arXiv 2405.21050: spectral orthogonal decomposition adaptation;
 * the authors' InjectedSODA_SVD in phymhan/SODA-Diffusion utils/pefts.py):
 *
 *   W0 = U·diag(σ)·Vᵀ (thin SVD, k = min(out, in))
 *   W  = U·diag(ReLU(σ + δ))·Vᵀ·Rᵀ,   R = Q1 ⊗ Q2 ⊗ … ⊗ Qm ∈ O(in)   (input side; output side: R·W)
 * δ ∈ R^k starts at 0 (exact identity) or at the authors' 1e-3; each Qi starts at I and lives on
 * the Stiefel manifold (ParamKind.STIEFEL). ReLU can be switched off. Parameters: k + Σ ki².
 * Applied to a layer's input (the input-centric form of OFTv2, peft PR 2575) W is never formed:
 * y = ((x·R)·V·diag(ReLU(σ + δ)))·Uᵀ, x·R by Kronecker mode products.
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
        SDVariable[] qIn = o.side() == RotationSide.OUTPUT ? null : factors(sd, key, "soda_Q", o.inputFactors(), w0, params);
        SDVariable[] qOut = o.side() == RotationSide.INPUT ? null : factors(sd, key, "soda_Qout", o.outputFactors(), w0, params);
        if (qIn != null) w = GraphMath.timesKroneckerTranspose(sd, w, out, qIn, o.inputFactors());         // W·Rᵀ
        if (qOut != null) {
            SDVariable wt = sd.permute(w, 1, 0);                                                             // [in, out]
            wt = GraphMath.timesKroneckerTranspose(sd, wt, in, qOut, o.outputFactors());
            w = sd.permute(wt, 1, 0);                                                                        // R·W
        }
        SDVariable spectrum = sigma;
        return new AdaptedWeight(key, "soda-svd", w, List.copyOf(params), w0).withInputForm((g, x, y0) -> {
            SDVariable h = qIn == null ? x : GraphMath.timesKronecker(g, x, qIn, o.inputFactors());           // [N, in] = x·R
            SDVariable z = g.mmul(h, vt, false, true, false).mul(g.reshape(spectrum, 1, k));                  // [N, k] = x·R·V·diag
            SDVariable y = g.mmul(z, u, false, true, false);                                                   // [N, out]
            return qOut == null ? y : GraphMath.timesKroneckerTranspose(g, y, -1, qOut, o.outputFactors());   // [N, out] (·R_outᵀ)
        });
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

    /**
     * SODA-SVD's settings: δ0 (0: the identity; the authors' code 1e-3), ReLU on σ + δ, the rotated side,
     * and how the Kronecker factor table is planned (the authors' table or balanced; m factors).
     */
    public record Config(double initialDelta, boolean relu, RotationSide side, KroneckerFactorPlanner.Mode factorMode, int factorCount) {
        public Config {
            if (side == null) side = RotationSide.INPUT;
            if (factorMode == null) factorMode = KroneckerFactorPlanner.Mode.AUTHORS;
            if (factorCount < 1) throw new IllegalArgumentException("factor count must be >= 1, got " + factorCount);
        }

        int[] inputFactors(long in) {
            return side == RotationSide.OUTPUT ? null : KroneckerFactorPlanner.plan((int) in, factorCount, factorMode);
        }

        int[] outputFactors(long out) {
            return side == RotationSide.INPUT ? null : KroneckerFactorPlanner.plan((int) out, factorCount, factorMode);
        }
    }

    static long squares(int[] factors) {
        long s = 0;
        if (factors != null) for (int f : factors) s += (long) f * f;
        return s;
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "soda-svd"; }
        public double stateBytesPerWeightByte() { return 2; }
        public String peftType() { return "SPECTUNE_SODA_SVD"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            return new Config(f.sodaInitialDelta(), f.sodaRelu(), f.sodaSide(), KroneckerFactorPlanner.Mode.AUTHORS, f.sodaFactors());
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, x.svds().svd(key, w0),
                    new Options(c.initialDelta(), c.relu(), c.side(), c.inputFactors(w0.columns()), c.outputFactors(w0.rows())));
        }

        public long parameters(Config c, String key, long out, long in) {
            return Math.min(out, in) + squares(c.inputFactors(in)) + squares(c.outputFactors(out));
        }

        public java.util.Map<String, Config> contractVariants() {
            java.util.Map<String, Config> v = new java.util.LinkedHashMap<>();
            v.put("soda-svd", new Config(0, true, RotationSide.INPUT, KroneckerFactorPlanner.Mode.AUTHORS, 3));
            v.put("soda-svd-both", new Config(0, false, RotationSide.BOTH, KroneckerFactorPlanner.Mode.BALANCED, 2));
            return v;
        }
    };
}
