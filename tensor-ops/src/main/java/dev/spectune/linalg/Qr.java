/*
 * Qr: thin QR and LQ decompositions by LAPACK geqrf/orgqr.
 *
 * QR of A [m, n], m ≥ n: A = Q·R with Q [m, n] orthonormal columns and R [n, n] upper
 * triangular with a non-negative diagonal (the sign fixed so the factorisation is unique).
 * LQ of A [m, n], m ≤ n: A = L·Q with L [m, m] lower triangular, non-negative diagonal, and
 * Q [m, n] orthonormal rows; computed as the transpose of the QR of Aᵀ.
 * SODA-QR decomposes W0ᵀ = Q·T this way.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class Qr {
    private Qr() {}

    /** A = Q·R. */
    public record QR(INDArray q, INDArray r) {
        public INDArray reconstruct() {
            return q.mmul(r);
        }
    }

    /** A = L·Q. */
    public record LQ(INDArray l, INDArray q) {
        public INDArray reconstruct() {
            return l.mmul(q);
        }
    }

    public static QR qr(INDArray a) {
        Matrices.requireMatrix(a, "QR input");
        int m = (int) a.rows(), n = (int) a.columns();
        DataType type = a.dataType();
        Lapack.QrArrays r = Lapack.geqrf(Matrices.rowMajor(a), m, n, Matrices.isSinglePrecision(a));
        double[] q = r.q(), upper = r.r();
        for (int i = 0; i < n; i++) {
            if (upper[i * n + i] < 0) {
                for (int j = 0; j < n; j++) upper[i * n + j] = -upper[i * n + j];
                for (int row = 0; row < m; row++) q[row * n + i] = -q[row * n + i];
            }
        }
        return new QR(Matrices.fromRowMajor(q, m, n, type), Matrices.fromRowMajor(upper, n, n, type));
    }

    public static LQ lq(INDArray a) {
        Matrices.requireMatrix(a, "LQ input");
        QR t = qr(a.transpose().dup('c'));
        return new LQ(t.r().transpose().dup('c'), t.q().transpose().dup('c'));
    }
}
