/*
 * SodaParity: SODA's layers against the SODA authors' code (shared/golden/soda §1–2):
 * InjectedSODA_SVD (files soda_svd_*.safetensors) and KronQRInjectedLinear_QR3 (soda_qr_*) on an
 * nn.Linear. Everything is read from the file: the layer's sizes from W0, the Kronecker factor
 * table from the shapes of Q1 … Qm (the authors' tmp_l), the rotation side from the metadata, the
 * decomposition the authors' module computed (U, S, Vh or qr.Q, qr.R: SVD signs and LAPACK's QR
 * signs matter), the random point and, where stored, the module's own init ("init." tensors), in
 * float32 and, where stored, float64 ("_f64"). Compared: y, the adapter-off output y_base, the
 * effective weight W_eff, the kept spectrum S_eff = ReLU(S + δ) or R_eff = R + diag(δ), the
 * rotation K = Q1 ⊗ … ⊗ Qm (spectune's adapter on W0 = I gives Kᵀ), and the gradients of δ, every
 * factor and x — all through SodaSvd / SodaQr as training builds them.
 */
package dev.spectune.parity;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.RotationSide;
import dev.spectune.adapters.SodaQr;
import dev.spectune.adapters.SodaSvd;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.linalg.Qr;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SodaParity {
    private SodaParity() {}

    static final double F64 = Tolerances.LAYER_F64_REL;
    static final String KEY = "fc.weight";

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("soda");
        List<Path> files = files(folder);
        for (Path file : files) {
            boolean svd = file.getFileName().toString().startsWith("soda_svd");
            try (GoldenFile g = r.open(file)) {
                String name = file.getFileName().toString().replace(".safetensors", "");
                for (boolean f64 : g.has("W0_f64") ? new boolean[] {false, true} : new boolean[] {false}) {
                    for (String point : g.has("init.delta") ? new String[] {"", "init."} : new String[] {""}) {
                        layerCase(r, g, name, svd, point, f64);
                    }
                    compareRotation(r, g, name, svd, f64);
                }
            }
        }
        return r;
    }

    /** soda_svd_*.safetensors and soda_qr_*.safetensors in the folder. */
    static List<Path> files(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().matches("soda_(svd|qr)_.*\\.safetensors")).sorted().toList();
            if (files.isEmpty()) throw new CheckpointException(folder + ": no soda_svd_*.safetensors or soda_qr_*.safetensors");
            return files;
        } catch (IOException e) {
            throw new CheckpointException(folder + ": cannot list: " + e.getMessage());
        }
    }

    /** The factor sizes: the shapes of Q1, Q2, … (square, Π = in_features). */
    static int[] factorSizes(GoldenFile g, String sfx) {
        List<Integer> sizes = new ArrayList<>();
        for (int i = 1; g.has("Q" + i + sfx); i++) {
            long[] s = g.shape("Q" + i + sfx);
            if (s.length != 2 || s[0] != s[1]) throw new CheckpointException(g.path() + ": Q" + i + sfx + " is not square: " + java.util.Arrays.toString(s));
            sizes.add((int) s[0]);
        }
        if (sizes.isEmpty()) throw new CheckpointException(g.path() + ": no Kronecker factors Q1, Q2, …");
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The rotation side the metadata names ("input side…" or "output side…"); the authors' input side when absent. */
    static RotationSide side(GoldenFile g) {
        String s = g.metadata("rotation_side");
        if (s == null || s.startsWith("input")) return RotationSide.INPUT;
        if (s.startsWith("output")) return RotationSide.OUTPUT;
        throw new CheckpointException(g.path() + ": metadata rotation_side '" + s + "' is neither input nor output side");
    }

    private static AdaptedWeight build(SameDiff sd, GoldenFile g, boolean svd, INDArray w0, int[] sizes, String sfx, DataType type) {
        RotationSide side = side(g);
        if (svd) {
            Svd decomposition = new Svd(g.get("U" + sfx, type), g.get("S" + sfx, type), g.get("Vh" + sfx, type));
            return SodaSvd.build(sd, KEY, w0, decomposition, new SodaSvd.Options(0, true, side,
                    side == RotationSide.OUTPUT ? null : sizes, side == RotationSide.INPUT ? null : sizes));
        }
        if (side != RotationSide.INPUT) throw new CheckpointException(g.path() + ": SODA-QR rotates the input side only; the file says " + side);
        return SodaQr.build(sd, KEY, w0, new Qr.QR(g.get("qr.Q" + sfx, type), g.get("qr.R" + sfx, type)), sizes);
    }

    private static void layerCase(ParityReport r, GoldenFile g, String file, boolean svd, String point, boolean f64) {
        String sfx = f64 ? "_f64" : "";
        DataType type = AdaptedLinear.type(f64);
        String tag = file + (point.isEmpty() ? " random" : " init") + (f64 ? " f64 " : " f32 ");
        double tol = f64 ? F64 : Tolerances.MODEL_OUTPUT_F32_REL, gradTol = f64 ? F64 : Tolerances.GRADIENT_AND_PIPELINE_REL;
        INDArray w0 = g.get("W0" + sfx, type), x = g.get("x" + sfx, type), b0 = g.get("b0" + sfx, type);
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = build(sd, g, svd, w0, factorSizes(g, sfx), sfx, type);
        for (AdapterParameter p : a.parameters()) p.value().assign(g.get(point + goldenName(g, p) + sfx, type));
        AdaptedLinear.Result result = AdaptedLinear.run(sd, a, x, b0, g.get(AdaptedLinear.upstreamName(g, sfx), type));
        r.compare(tag + "y", result.y(), g.get(point + "y" + sfx, type), tol);
        if (g.has(point + "W_eff" + sfx)) r.compare(tag + "W_eff", a.merged(), g.get(point + "W_eff" + sfx, type), tol);
        String effective = svd ? "S_eff" : "R_eff";
        if (g.has(point + effective + sfx)) {
            String variable = svd ? SodaSvd.effectiveSpectrumName(KEY) : SodaQr.effectiveFactorName(KEY);
            r.compare(tag + effective, sd.getVariable(variable).eval(), g.get(point + effective + sfx, type), tol);
        }
        if (point.isEmpty() && g.has("y_base" + sfx)) r.compare(tag + "y_base (adapter off)", AdaptedLinear.base(w0, x, b0), g.get("y_base" + sfx, type), tol);
        for (AdapterParameter p : a.parameters()) {
            String name = "grad." + goldenName(g, p);
            r.compare(tag + name, result.grads().get(p.name()), g.get(point + name + sfx, type), gradTol);
        }
        r.compare(tag + "grad.x", result.grads().get("x"), g.get(point + "grad.x" + sfx, type), gradTol);
    }

    /** The golden name of a parameter: soda_delta → delta, soda_Q<i> → Q<i>. */
    private static String goldenName(GoldenFile g, AdapterParameter p) {
        String leaf = AdaptedLinear.leaf(p);
        if (leaf.equals("soda_delta")) return "delta";
        if (leaf.matches("soda_Q\\d+")) return leaf.substring("soda_".length());
        throw new CheckpointException(g.path() + ": no golden counterpart for parameter " + p.name());
    }

    /** K = Q1 ⊗ … ⊗ Qm: the same builder on W0 = I (identity decomposition, δ = 0) has W_eff = Kᵀ. */
    private static void compareRotation(ParityReport r, GoldenFile g, String file, boolean svd, boolean f64) {
        String sfx = f64 ? "_f64" : "";
        if (!g.has("kron" + sfx)) return;
        DataType type = AdaptedLinear.type(f64);
        int[] sizes = factorSizes(g, sfx);
        int n = java.util.Arrays.stream(sizes).reduce(1, (p, q) -> p * q);
        INDArray eye = Nd4j.eye(n).castTo(type);
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = svd
                ? SodaSvd.build(sd, KEY, eye, new Svd(eye, Nd4j.ones(type, n), eye), new SodaSvd.Options(0, false, RotationSide.INPUT, sizes, null))
                : SodaQr.build(sd, KEY, eye, new Qr.QR(eye, eye), sizes);
        for (AdapterParameter p : a.parameters()) {
            if (!AdaptedLinear.leaf(p).equals("soda_delta")) p.value().assign(g.get(goldenName(g, p) + sfx, type));
        }
        r.compare(file + (f64 ? " f64" : " f32") + " kron (Q1 ⊗ … ⊗ Qm)", a.merged().transpose(), g.get("kron" + sfx, type), f64 ? F64 : Tolerances.MODEL_OUTPUT_F32_REL);
    }
}
