/*
 * RandomizedSvd: the top-r singular triplets of W by the randomized range finder of Halko,
 * Martinsson & Tropp, "Finding structure with randomness" (SIAM Review 53(2), 2011), Algorithm 4.4
 * (randomized subspace iteration) followed by Algorithm 5.1 (direct SVD of the small projection).
 *
 *   Ω  [n, r+p]   Gaussian test matrix (seeded)
 *   Y = W·Ω       [m, r+p]; Q = orth(Y)
 *   q times:      Q̃ = orth(Wᵀ·Q), Q = orth(W·Q̃)     (power iterations, re-orthonormalised by QR)
 *   B = Qᵀ·W      [r+p, n]; B = Ũ·diag(s)·Vᵀ (gesdd)
 *   U = Q·Ũ       then keep the first r columns
 *
 * Costs O(m·n·(r+p)·(2q+2)) against O(m·n·min(m,n)) for the full SVD. The sign convention is
 * Svd's, so the top-r factors are directly comparable with Svd.of(W) truncated.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

public final class RandomizedSvd {
    private RandomizedSvd() {}

    /** Options: rank r, oversampling p (HMT suggest 5–10), power iterations q (1–2 for slowly decaying spectra), seed of Ω. */
    public record Options(int rank, int oversampling, int powerIterations, long seed) {
        public Options {
            if (rank < 1) throw new IllegalArgumentException("randomized SVD rank must be ≥ 1, got " + rank);
            if (oversampling < 0) throw new IllegalArgumentException("oversampling must be ≥ 0, got " + oversampling);
            if (powerIterations < 0) throw new IllegalArgumentException("power iterations must be ≥ 0, got " + powerIterations);
        }

        public static Options topR(int rank) {
            return new Options(rank, 10, 2, 0);
        }
    }

    /** The top-r triplets: U [m, r], s [r], Vt [r, n], in W's data type. */
    public static Svd of(INDArray w, Options o) {
        Matrices.requireMatrix(w, "randomized SVD input");
        int m = (int) w.rows(), n = (int) w.columns(), k = Math.min(m, n);
        if (o.rank() > k) throw new IllegalArgumentException("randomized SVD rank " + o.rank() + " exceeds min(m, n) = " + k + " of " + m + "x" + n);
        int l = Math.min(k, o.rank() + o.oversampling());
        DataType type = w.dataType();
        java.util.Random random = new java.util.Random(o.seed());
        double[] gaussian = new double[n * l];
        for (int i = 0; i < gaussian.length; i++) gaussian[i] = random.nextGaussian();
        INDArray omega = Matrices.fromRowMajor(gaussian, n, l, type);                     // [n, l]
        INDArray q = orth(w.mmul(omega));                                                  // [m, l]
        for (int i = 0; i < o.powerIterations(); i++) {
            INDArray qt = orth(w.transpose().mmul(q));                                     // [n, l]
            q = orth(w.mmul(qt));                                                          // [m, l]
        }
        INDArray b = q.transpose().mmul(w);                                                // [l, n]
        Svd small = Svd.of(b);                                                             // Ũ [l, l], s [l], Vt [l, n]
        INDArray u = q.mmul(small.u());                                                    // [m, l]
        INDArray ur = u.get(all(), interval(0, o.rank())).dup('c');
        INDArray sr = small.s().get(interval(0, o.rank())).dup();
        INDArray vtr = small.vt().get(interval(0, o.rank()), all()).dup('c');
        return flipSigns(ur, sr, vtr);
    }

    /**
     * An orthonormal basis of Y's columns by CholeskyQR2 (Fukaya et al. 2014: two passes of
     * G = YᵀY, G = L·Lᵀ, Y ← Y·L⁻ᵀ) in plain Java: Y is thin (l ≤ 42 columns here), so this costs
     * O(m·l²) and no native call; a rank-deficient Y falls back to Householder QR.
     */
    private static INDArray orth(INDArray y) {
        int m = (int) y.rows(), l = (int) y.columns();
        double[] q = Matrices.rowMajor(y);
        for (int pass = 0; pass < 2; pass++) {
            if (!choleskyQrPass(q, m, l)) return Qr.qr(y).q();
        }
        return Matrices.fromRowMajor(q, m, l, y.dataType());
    }

    /** One CholeskyQR pass in place on row-major q [m, l]; false when YᵀY is not numerically positive definite. */
    private static boolean choleskyQrPass(double[] q, int m, int l) {
        double[] g = new double[l * l];                                                    // YᵀY [l, l]
        for (int i = 0; i < m; i++) {
            int row = i * l;
            for (int a = 0; a < l; a++) {
                double ya = q[row + a];
                for (int b = a; b < l; b++) g[a * l + b] += ya * q[row + b];
            }
        }
        double[] chol = new double[l * l];                                                 // L, lower triangular
        for (int j = 0; j < l; j++) {
            double d = g[j * l + j];
            for (int k = 0; k < j; k++) d -= chol[j * l + k] * chol[j * l + k];
            if (!(d > 1e-12 * Math.max(g[0], 1e-300))) return false;
            double ljj = Math.sqrt(d);
            chol[j * l + j] = ljj;
            for (int i = j + 1; i < l; i++) {
                double v = g[j * l + i];                                                   // upper triangle holds G(j, i)
                for (int k = 0; k < j; k++) v -= chol[i * l + k] * chol[j * l + k];
                chol[i * l + j] = v / ljj;
            }
        }
        for (int i = 0; i < m; i++) {                                                      // row ← row · L⁻ᵀ: solve L·xᵀ = rowᵀ
            int row = i * l;
            for (int j = 0; j < l; j++) {
                double v = q[row + j];
                for (int k = 0; k < j; k++) v -= chol[j * l + k] * q[row + k];
                q[row + j] = v / chol[j * l + j];
            }
        }
        return true;
    }

    /** Svd's convention: the largest-magnitude entry of each column of U is positive. */
    private static Svd flipSigns(INDArray u, INDArray s, INDArray vt) {
        int m = (int) u.rows(), k = (int) u.columns(), n = (int) vt.columns();
        double[] ud = Matrices.rowMajor(u), vd = Matrices.rowMajor(vt);
        Svd.flipSigns(ud, vd, m, k, n);
        return new Svd(Matrices.fromRowMajor(ud, m, k, u.dataType()), s, Matrices.fromRowMajor(vd, k, n, vt.dataType()));
    }
}
