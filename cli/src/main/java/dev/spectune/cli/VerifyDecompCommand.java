/*
 * VerifyDecompCommand: `spectune verify-decomp` — checks the SVD (fresh gesdd, or a decomposition
 * cache's entries) and the QR of Wᵀ of every selected weight against EJML in double. One line per
 * layer, a summary line, exit 1 when any layer exceeds the tolerance (Tolerances.DECOMPOSITION_F64
 * or _F32 by --precision).
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import dev.spectune.adapters.io.WeightSvdCache;
import dev.spectune.spectrum.DecompositionVerifier;
import dev.spectune.spectrum.LayerSelection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify-decomp", mixinStandardHelpOptions = true,
        description = "Cross-check every selected layer's SVD and QR against EJML in double; exit 1 if any exceeds the tolerance.")
public final class VerifyDecompCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline or component folder, or a .safetensors file.") Path model;
    @Option(names = "--component", defaultValue = "unet") String component;
    @Option(names = "--targets", description = "Regex of weight keys (default: UNet attention projections).") String targets;
    @Option(names = "--precision", defaultValue = "double", description = "double (dgesdd, tolerance 1e-10) or float (sgesdd, 1e-5).") String precision;
    @Option(names = "--cache", description = "Verify the entries of this SVD cache folder (decompositions keyed by the weight's SHA-256, as training and spectrum keep them) instead of a fresh gesdd.") Path cache;
    @Option(names = "--rank", defaultValue = "8", description = "Dimension of the singular subspaces compared (default ${DEFAULT-VALUE}).") int rank;

    @Override
    public Integer call() {
        Nd4jRuntime.init();
        DataType type = Precision.parse(precision);
        double tolerance = type == DataType.DOUBLE ? Tolerances.DECOMPOSITION_F64 : Tolerances.DECOMPOSITION_F32;
        Pattern selected = Pattern.compile(targets != null ? targets : AdapterInjector.UNET_ATTENTION.pattern());
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> weights = LayerSelection.read(model, component, selected, type);
        List<DecompositionVerifier.Row> rows = DecompositionVerifier.verify(weights, cache == null ? null : new WeightSvdCache(cache), rank, tolerance);
        System.out.printf("%-72s %-11s %-6s %9s %9s %9s %9s %9s %8s %9s %9s %9s  %s%n", "layer", "shape", "svd", "sv", "recon", "orth",
                "sinU_r", "sinV_r", "allow", "qr_recon", "qr_orth", "qr_R", "verdict");
        int passed = 0;
        DecompositionVerifier.Row worst = null;
        for (var r : rows) {
            if (r.passed()) passed++;
            if (r.svd() == null) {
                System.out.printf("%-72s %-11s %-6s  FAIL: %s%n", r.key(), r.rows() + "x" + r.cols(), r.source(), r.problem());
                continue;
            }
            if (worst == null || worst.svd() == null || r.svd().worst() > worst.svd().worst()) worst = r;
            System.out.printf("%-72s %-11s %-6s %9.2e %9.2e %9.2e %9.2e %9.2e %8.1f %9.2e %9.2e %9.2e  %s%n", r.key(), r.rows() + "x" + r.cols(), r.source(),
                    r.svd().singularValues(), r.svd().reconstruction(), r.svd().orthogonality(), r.svd().leftSubspaceSine(), r.svd().rightSubspaceSine(),
                    r.svd().subspaceAllowanceFactor(), r.qr().reconstruction(), r.qr().orthogonality(), r.qr().triangularFactor(),
                    r.passed() ? "ok" : "FAIL" + (r.problem() != null ? ": " + r.problem() : ""));
        }
        System.out.printf("verify-decomp: %d/%d layers within %.0e (%s)%s%n", passed, rows.size(), tolerance, precision,
                worst == null ? "" : String.format("; worst SVD measure %.2e at %s", worst.svd().worst(), worst.key()));
        return passed == rows.size() ? 0 : 1;
    }
}
