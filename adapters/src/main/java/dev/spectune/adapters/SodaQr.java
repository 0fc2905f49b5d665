/*
 * SodaQr: SODA's QR/LQ variant (Zhang et al. 2024, arXiv 2405.21050; the authors' KronQRInjectedLinear_QR3):
 *
 *   W0ᵀ = Q·T (thin QR; i.e. W0 = Tᵀ·Qᵀ, an LQ of W0; out ≤ in, the authors' case)
 *   W   = (T + diag(δ))ᵀ·Qᵀ·Rᵀ,  δ0 = 0 (exact identity at init), R as in SodaSvd (input side)
 * For out > in (e.g. SD's cross-attention keys from a 768-wide text encoder into 1280 channels),
 * where the authors' code stops, the QR is taken of W0 itself: W0 = Q·T, W = Q·(T + diag(δ))·Rᵀ.
 * Parameters: min(out, in) + Σ ki². Applied to a layer's input, W is never formed: x·R, then the
 * two triangular-and-orthogonal factors.
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Qr;
import dev.spectune.optim.ParamKind;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SodaQr {
    private SodaQr() {}

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, int[] inputFactors) {
        if (w0.rows() > w0.columns()) return buildTall(sd, key, w0, Qr.qr(w0), inputFactors);
        return build(sd, key, w0, Qr.qr(w0.transpose().dup('c')), inputFactors);
    }

    /** out > in: W0 = Q·T (Q [out, in], T [in, in]), W = Q·(T + diag(δ))·Rᵀ. */
    static AdaptedWeight buildTall(SameDiff sd, String key, INDArray w0, Qr.QR qr, int[] inputFactors) {
        long out = w0.rows(), in = w0.columns();
        List<AdapterParameter> params = new ArrayList<>();
        SDVariable delta = sd.var(Names.param(key, "soda_delta"), Nd4j.zeros(w0.dataType(), in));
        params.add(new AdapterParameter(delta.name(), delta, ParamKind.EUCLIDEAN));
        SDVariable q = sd.constant(Names.param(key, "soda_Qw"), qr.q());                                    // [out, in]
        SDVariable t = sd.constant(Names.param(key, "soda_T"), qr.r());                                     // [in, in]
        SDVariable tEff = t.add(sd.math().diag(delta));                                                     // T + diag(δ) [in, in]
        SDVariable[] factors = SodaSvd.factors(sd, key, "soda_Q", inputFactors, w0, params);
        SDVariable w = GraphMath.timesKroneckerTranspose(sd, q.mmul(tEff), out, factors, inputFactors);     // [out, in]
        return new AdaptedWeight(key, "soda-qr", w, List.copyOf(params), w0).withInputForm((g, x, y0) -> {
            SDVariable h = GraphMath.timesKronecker(g, x, factors, inputFactors);                            // [N, in] = x·R
            return g.mmul(g.mmul(h, tEff, false, true, false), q, false, true, false);                        // [N, out] = x·R·(T+Δ)ᵀ·Qᵀ
        });
    }

    /** The graph variable holding T + diag(δ) (the authors' R + diag(δ)) of the adapter on {@code key}. */
    public static String effectiveFactorName(String key) {
        return Names.param(key, "soda_T_eff");
    }

    /** With a given QR of W0ᵀ (Q [in, out], T [out, out]) — e.g. LAPACK's signs as the reference has them. */
    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Qr.QR qr, int[] inputFactors) {
        long out = w0.rows();
        List<AdapterParameter> params = new ArrayList<>();
        SDVariable delta = sd.var(Names.param(key, "soda_delta"), Nd4j.zeros(w0.dataType(), out));
        params.add(new AdapterParameter(delta.name(), delta, ParamKind.EUCLIDEAN));
        SDVariable t = sd.constant(Names.param(key, "soda_T"), qr.r());                                     // [out, out]
        SDVariable q = sd.constant(Names.param(key, "soda_Qw"), qr.q());                                    // [in, out]
        SDVariable tEff = t.add(sd.math().diag(delta)).rename(effectiveFactorName(key));                    // T + diag(δ) [out, out]
        SDVariable w = sd.permute(q.mmul(tEff), 1, 0);                                                      // (T+Δ)ᵀQᵀ [out, in]
        SDVariable[] factors = SodaSvd.factors(sd, key, "soda_Q", inputFactors, w0, params);
        w = GraphMath.timesKroneckerTranspose(sd, w, out, factors, inputFactors);
        return new AdaptedWeight(key, "soda-qr", w, List.copyOf(params), w0).withInputForm((g, x, y0) -> {
            SDVariable h = GraphMath.timesKronecker(g, x, factors, inputFactors);                            // [N, in] = x·R
            return g.mmul(g.mmul(h, q), tEff);                                                                // [N, out] = x·R·Q·(T+Δ)
        });
    }

    /** SODA-QR's settings: how the Kronecker factor table of the input side is planned. */
    public record Config(KroneckerFactorPlanner.Mode factorMode, int factorCount) {
        public Config {
            if (factorMode == null) factorMode = KroneckerFactorPlanner.Mode.AUTHORS;
            if (factorCount < 1) throw new IllegalArgumentException("factor count must be >= 1, got " + factorCount);
        }

        int[] factors(long in) {
            return KroneckerFactorPlanner.plan((int) in, factorCount, factorMode);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "soda-qr"; }
        public double stateBytesPerWeightByte() { return 2; }
        public String peftType() { return "SPECTUNE_SODA_QR"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            return new Config(KroneckerFactorPlanner.Mode.AUTHORS, f.sodaFactors());
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, c.factors(w0.columns()));
        }

        public long parameters(Config c, String key, long out, long in) {
            return Math.min(out, in) + SodaSvd.squares(c.factors(in));
        }

        public java.util.Map<String, Config> contractVariants() {
            return java.util.Map.of("soda-qr", new Config(KroneckerFactorPlanner.Mode.AUTHORS, 3));
        }
    };
}
