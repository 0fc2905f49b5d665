/*
 * Svd: thin singular value decomposition W = U·diag(s)·Vᵀ by LAPACK's divide-and-conquer gesdd.
 *
 * For W [m, n] and k = min(m, n): U [m, k], s [k] descending, Vt [k, n]. Singular vectors are
 * only defined up to sign; spectune fixes the sign so that the entry of largest magnitude in each
 * column of U is positive (scikit-learn's svd_flip convention), which makes the decomposition
 * deterministic across LAPACK builds and comparable with EJML's.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public record Svd(INDArray u, INDArray s, INDArray vt) {

    /** Decomposes W [m, n]; float inputs use sgesdd, double inputs dgesdd. Results keep W's type. */
    public static Svd of(INDArray w) {
        Matrices.requireMatrix(w, "SVD input");
        int m = (int) w.rows(), n = (int) w.columns(), k = Math.min(m, n);
        DataType type = w.dataType();
        Lapack.SvdArrays r = Lapack.gesdd(Matrices.rowMajor(w), m, n, Matrices.isSinglePrecision(w));
        double[] u = r.u(), vt = r.vt();
        flipSigns(u, vt, m, k, n);
        return new Svd(Matrices.fromRowMajor(u, m, k, type),
                Nd4j.createFromArray(r.s()).castTo(type),
                Matrices.fromRowMajor(vt, k, n, type));
    }

    /** In place on row-major U [m, k] and Vt [k, n]: the largest-magnitude entry of each column of U made positive. */
    static void flipSigns(double[] u, double[] vt, int m, int k, int n) {
        for (int c = 0; c < k; c++) {
            int argmax = 0;
            for (int i = 1; i < m; i++) if (Math.abs(u[i * k + c]) > Math.abs(u[argmax * k + c])) argmax = i;
            if (u[argmax * k + c] < 0) {
                for (int i = 0; i < m; i++) u[i * k + c] = -u[i * k + c];
                for (int j = 0; j < n; j++) vt[c * n + j] = -vt[c * n + j];
            }
        }
    }

    /** U·diag(s)·Vt: [m, n]. */
    public INDArray reconstruct() {
        return u.mulRowVector(s).mmul(vt);
    }

    /** V = Vtᵀ: [n, k]. */
    public INDArray v() {
        return vt.transpose().dup('c');
    }
}
