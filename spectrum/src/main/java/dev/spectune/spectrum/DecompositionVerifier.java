/*
 * DecompositionVerifier: `verify-decomp` — for each selected weight, the SVD spectune would use
 * (fresh gesdd, or the decomposition cache's entry) and the QR of Wᵀ that SODA-QR uses, checked
 * against EJML in double by DecompositionCheck. A cache entry whose weight hash differs from the
 * weight's is reported stale and fails.
 */
package dev.spectune.spectrum;

import dev.spectune.adapters.io.WeightSvdCache;
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

    /** @param cache the SVD cache whose entries are verified (null: verify a fresh gesdd for every layer) */
    public static List<Row> verify(Map<String, INDArray> weights, WeightSvdCache cache, int r, double tolerance) {
        List<Row> rows = new ArrayList<>();
        for (var e : weights.entrySet()) {
            INDArray w = e.getValue();                                                   // [out, in]
            String problem = null, source = "gesdd";
            Svd candidate;
            if (cache != null) {
                source = "cache";
                var kept = cache.lookup(e.getKey(), w);
                if (kept.isEmpty()) {
                    rows.add(new Row(e.getKey(), w.rows(), w.columns(), source, null, null, tolerance, "no readable entry of this shape in " + cache.dir()));
                    continue;
                }
                candidate = kept.get();
                if (candidate.s().length() != Math.min(w.rows(), w.columns())) {
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
