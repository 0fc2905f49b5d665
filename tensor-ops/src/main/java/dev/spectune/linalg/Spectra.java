/*
 * Spectra: summary statistics of a weight's singular values and the geometry of a weight change,
 * the quantities the spectrum tools report.
 *
 *   spectral norm     s₁
 *   stable rank       ‖W‖²_F / ‖W‖²₂ = Σ sᵢ² / s₁²                  (Rudelson & Vershynin 2007)
 *   effective rank    exp(H(p)), pᵢ = sᵢ / Σ sⱼ                      (Roy & Vetterli, EUSIPCO 2007)
 *   top-r energy      Σ_{i<r} sᵢ² / Σ sᵢ²
 *   principal angles  θᵢ = arccos σᵢ(U₁ᵀ·U₂) between two r-dimensional subspaces (Björck & Golub 1973);
 *                     the largest one's sine from the residual ‖U₂ − U₁U₁ᵀU₂‖₂, accurate for tiny angles
 *   ΔW in a subspace  ‖U_rᵀ·ΔW‖²_F / ‖ΔW‖²_F (left), ‖ΔW·V_r‖²_F / ‖ΔW‖²_F (right)
 *
 * Everything is computed in double from the singular values (double[]) or INDArrays of any type.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

public final class Spectra {
    private Spectra() {}

    public static double spectralNorm(double[] s) {
        return s.length == 0 ? 0 : s[0];
    }

    public static double stableRank(double[] s) {
        return s.length == 0 || s[0] == 0 ? 0 : sumSquares(s, s.length) / (s[0] * s[0]);
    }

    public static double effectiveRank(double[] s) {
        double total = 0;
        for (double v : s) total += v;
        if (total == 0) return 0;
        double entropy = 0;
        for (double v : s) {
            double p = v / total;
            if (p > 0) entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }

    /** Fraction of ‖W‖²_F in the top r singular directions; r is clamped to the number of values. */
    public static double topEnergy(double[] s, int r) {
        double total = sumSquares(s, s.length);
        return total == 0 ? 0 : sumSquares(s, Math.min(r, s.length)) / total;
    }

    /** cos θᵢ, descending (smallest angle first), of the principal angles between the column spaces of A [m, r] and B [m, r] (orthonormal columns). */
    public static double[] principalCosines(INDArray a, INDArray b) {
        INDArray c = a.castTo(DataType.DOUBLE).transpose().mmul(b.castTo(DataType.DOUBLE));    // [r, r]
        double[] cos = Svd.of(c).s().toDoubleVector();
        for (int i = 0; i < cos.length; i++) cos[i] = Math.min(1, cos[i]);
        return cos;
    }

    /**
     * The largest principal angle's sine, sin θ_max = ‖B − A·(AᵀB)‖₂ for A, B [m, r] with orthonormal
     * columns: computed from the residual, not as √(1 − cos²), which cannot resolve angles below √ε.
     */
    public static double largestAngleSine(INDArray a, INDArray b) {
        INDArray da = a.castTo(DataType.DOUBLE), db = b.castTo(DataType.DOUBLE);
        INDArray residual = db.sub(da.mmul(da.transpose().mmul(db)));                            // [m, r]
        return Math.min(1, Svd.of(residual).s().getDouble(0));
    }

    /** Principal angles in degrees, smallest first. */
    public static double[] principalAnglesDegrees(INDArray a, INDArray b) {
        double[] cos = principalCosines(a, b);
        double[] deg = new double[cos.length];
        for (int i = 0; i < cos.length; i++) deg[i] = Math.toDegrees(Math.acos(cos[i]));
        return deg;
    }

    /** ‖U_rᵀ·ΔW‖²_F / ‖ΔW‖²_F: the share of the change that lies in the left subspace U_r [m, r]. */
    public static double leftShare(INDArray uR, INDArray delta) {
        INDArray d = delta.castTo(DataType.DOUBLE);
        double total = squaredNorm(d);
        return total == 0 ? 0 : squaredNorm(uR.castTo(DataType.DOUBLE).transpose().mmul(d)) / total;
    }

    /** ‖ΔW·V_r‖²_F / ‖ΔW‖²_F with V_r [n, r]. */
    public static double rightShare(INDArray vR, INDArray delta) {
        INDArray d = delta.castTo(DataType.DOUBLE);
        double total = squaredNorm(d);
        return total == 0 ? 0 : squaredNorm(d.mmul(vR.castTo(DataType.DOUBLE))) / total;
    }

    /** The first r columns of U [m, k]. */
    public static INDArray leftColumns(Svd svd, int r) {
        return svd.u().get(all(), interval(0, r)).dup('c');
    }

    /** The first r right singular vectors as columns, V_r [n, r]. */
    public static INDArray rightColumns(Svd svd, int r) {
        return svd.vt().get(interval(0, r), all()).transpose().dup('c');
    }

    private static double squaredNorm(INDArray a) {
        double n = a.norm2Number().doubleValue();
        return n * n;
    }

    private static double sumSquares(double[] s, int r) {
        double t = 0;
        for (int i = 0; i < r; i++) t += s[i] * s[i];
        return t;
    }
}
