/*
 * DecompositionVerifier: `verify-decomp` — for each selected weight, the SVD spectune would use
 * (fresh gesdd, or the decomposition cache's entry) and the QR of Wᵀ that SODA-QR uses, checked
 * against EJML in double by DecompositionCheck. A cache entry whose weight hash differs from the
 * weight's is reported stale and fails.
 */
package dev.spectune.training.spectrum;

import dev.spectune.linalg.DecompositionCheck;
import dev.spectune.linalg.Svd;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DecompositionVerifier {
    private DecompositionVerifier() {}

    /** One layer's verdict; {@code problem} says why it failed beyond the numbers (stale cache entry), else null. */
    public record Row(String key, long rows, long cols, String source, DecompositionCheck.SvdReport svd, DecompositionCheck.QrReport qr,
                      double tolerance, String problem) {
        public boolean passed() {
            return problem == null && svd != null && svd.within(tolerance) && qr.within(tolerance);
        }
    }

    /** @param cache the decomposition cache's entries (empty: verify a fresh gesdd for every layer) */
    public static List<Row> verify(Map<String, INDArray> weights, Map<String, DecompositionCache.Entry> cache, int r, double tolerance) {
        List<Row> rows = new ArrayList<>();
        for (var e : weights.entrySet()) {
            INDArray w = e.getValue();                                                   // [out, in]
            DecompositionCache.Entry cached = cache.get(e.getKey());
            String problem = null, source = "gesdd";
            Svd candidate;
            if (cached != null) {
                source = "cache";
                candidate = cached.svd();
                if (!cached.weightSha256().equals(DecompositionCache.hashOf(w))) problem = "stale cache entry (weight hash differs)";
                if (candidate.s().length() != Math.min(w.rows(), w.columns()) || candidate.u().rows() != w.rows() || candidate.vt().columns() != w.columns()) {
                    rows.add(new Row(e.getKey(), w.rows(), w.columns(), source, null, null, tolerance, "cache entry has the wrong shape"));
                    continue;
                }
            } else {
                candidate = Svd.of(w);
            }
            rows.add(new Row(e.getKey(), w.rows(), w.columns(), source, DecompositionCheck.checkSvd(w, candidate, r),
                    DecompositionCheck.checkQrOfTranspose(w), tolerance, problem));
        }
        return rows;
    }
}
