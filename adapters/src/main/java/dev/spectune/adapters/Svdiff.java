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

    /** SVDiff has no settings: every singular value shifts. */
    public record Config() {}

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "svdiff"; }
        public double stateBytesPerWeightByte() { return 2; }
        public String peftType() { return "SPECTUNE_SVDIFF"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, x.svds().svd(key, w0));
        }

        public long parameters(Config c, String key, long out, long in) { return Math.min(out, in); }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("svdiff", new Config()); }
    };
}
