/*
 * AdapterParity: adapter layers against their authors' code (shared/golden/soda §1–2 and
 * shared/golden/spectral): SODA-SVD (InjectedSODA_SVD) and SODA-QR (KronQRInjectedLinear_QR3) on
 * Linear(24 → 16) with Kronecker factors (2, 3, 4) — outputs, effective weights and the gradients of
 * δ, every factor and x, at a random point and at the module's own init, float32 and float64 — and
 * the Spectral Adapter's additive and rotational layers (outputs and gradients of A, B, C). The
 * decompositions are loaded from the files (SVD signs and LAPACK's QR signs matter).
 */
package dev.spectune.training.parity;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.RotationSide;
import dev.spectune.adapters.SodaQr;
import dev.spectune.adapters.SodaSvd;
import dev.spectune.adapters.SpectralAdapter;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.linalg.Qr;
import dev.spectune.linalg.Svd;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.ops.Linear;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class AdapterParity {
    private AdapterParity() {}

    static final double F64 = 1e-9;

    public static ParityReport soda(Path folder) {
        ParityReport r = new ParityReport("soda");
        for (String file : new String[] {"soda_svd_linear.safetensors", "soda_qr_linear.safetensors"}) {
            Path p = folder.resolve(file);
            if (!Files.isRegularFile(p)) throw new CheckpointException(folder + ": no " + file);
            try (SafetensorsFile g = SafetensorsFile.open(p)) {
                boolean svd = file.startsWith("soda_svd");
                for (boolean f64 : new boolean[] {false, true}) {
                    for (String point : new String[] {"", "init."}) sodaCase(r, g, svd, point, f64);
                }
            }
        }
        return r;
    }

    private static void sodaCase(ParityReport r, SafetensorsFile g, boolean svd, String point, boolean f64) {
        String sfx = f64 ? "_f64" : "";
        DataType type = f64 ? DataType.DOUBLE : DataType.FLOAT;
        String tag = (svd ? "soda-svd " : "soda-qr ") + (point.isEmpty() ? "random" : "init") + (f64 ? " f64" : " f32") + " ";
        INDArray w0 = g.read("W0" + sfx, type);
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = svd
                ? SodaSvd.build(sd, "fc.weight", w0, new Svd(g.read("U" + sfx, type), g.read("S" + sfx, type), g.read("Vh" + sfx, type)),
                        new SodaSvd.Options(0, true, RotationSide.INPUT, new int[] {2, 3, 4}, null))
                : SodaQr.build(sd, "fc.weight", w0, new Qr.QR(g.read("qr.Q" + sfx, type), g.read("qr.R" + sfx, type)), new int[] {2, 3, 4});
        for (AdapterParameter p : a.parameters()) {
            String name = p.name().endsWith("soda_delta") ? "delta" : "Q" + p.name().charAt(p.name().length() - 1);
            p.value().assign(g.read(point + name + sfx, type));
        }
        Map<String, INDArray> grads = forwardBackward(r, g, sd, a, type, sfx, point, tag, f64);
        double gradTol = f64 ? F64 : Tolerances.GRADIENT_AND_PIPELINE_REL;
        for (AdapterParameter p : a.parameters()) {
            String name = p.name().endsWith("soda_delta") ? "delta" : "Q" + p.name().charAt(p.name().length() - 1);
            r.compare(tag + "grad." + name, grads.get(p.name()), g.read(point + "grad." + name + sfx, type), gradTol);
        }
        r.compare(tag + "grad.x", grads.get("x"), g.read(point + "grad.x" + sfx, type), gradTol);
    }

    /** y = x·W(θ)ᵀ + b0 and the gradients of Σ y⊙G; compares y and the merged weight. */
    private static Map<String, INDArray> forwardBackward(ParityReport r, SafetensorsFile g, SameDiff sd, AdaptedWeight a, DataType type,
                                                         String sfx, String point, String tag, boolean f64) {
        String gradName = g.contains("G" + sfx) ? "G" : "upstream_grad";
        INDArray x = g.read("x" + sfx, type);
        SDVariable xv = sd.var("x", x);
        long out = a.base().rows(), in = a.base().columns();
        SDVariable y = Linear.apply(sd, xv, a.weight(), sd.constant("b0", g.read("b0" + sfx, type)), in, out);
        SDVariable loss = y.mul(sd.constant("G", g.read(gradName + sfx, type))).sum().rename("loss");
        sd.setLossVariables(loss);
        double tol = f64 ? F64 : Tolerances.MODEL_OUTPUT_F32_REL;
        r.compare(tag + "y", y.eval(), g.read(point + "y" + sfx, type), tol);
        if (g.contains(point + "W_eff" + sfx)) r.compare(tag + "W_eff", a.merged(), g.read(point + "W_eff" + sfx, type), tol);
        List<String> names = new ArrayList<>();
        a.parameters().forEach(p -> names.add(p.name()));
        names.add("x");
        return sd.calculateGradients(Map.of(), names);
    }

    public static ParityReport spectral(Path folder) {
        ParityReport r = new ParityReport("spectral");
        for (String file : new String[] {"spectral_additive.safetensors", "spectral_rotational.safetensors"}) {
            Path path = folder.resolve(file);
            if (!Files.isRegularFile(path)) throw new CheckpointException(folder + ": no " + file);
            try (SafetensorsFile g = SafetensorsFile.open(path)) {
                boolean additive = file.contains("additive");
                int rank = Integer.parseInt(g.metadata().getOrDefault("rank", "4"));
                String tag = (additive ? "spectral-a " : "spectral-r ");
                INDArray w0 = g.read("W0", DataType.FLOAT);
                Svd svd = new Svd(g.read("U", DataType.FLOAT), g.read("S", DataType.FLOAT), g.read("V", DataType.FLOAT).transpose().dup('c'));
                SameDiff sd = SameDiff.create();
                AdaptedWeight a = SpectralAdapter.build(sd, "fc.weight", w0, svd,
                        additive ? SpectralAdapter.Kind.ADDITIVE : SpectralAdapter.Kind.ROTATIONAL, SpectralAdapter.Columns.top(rank));
                for (AdapterParameter p : a.parameters()) {
                    String name = p.name().substring(p.name().lastIndexOf('.') + 1);
                    p.value().assign(g.read(name, DataType.FLOAT));
                }
                Map<String, INDArray> grads = forwardBackward(r, g, sd, a, DataType.FLOAT, "", "", tag, false);
                for (AdapterParameter p : a.parameters()) {
                    String name = p.name().substring(p.name().lastIndexOf('.') + 1);
                    r.compare(tag + "grad." + name, grads.get(p.name()), g.read("grad." + name, DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL);
                }
            }
        }
        return r;
    }
}
