/*
 * LinearSolve: X = A⁻¹·B for a square A by LU with partial pivoting (LAPACK gesv), without forming
 * the inverse.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;

public final class LinearSolve {
    private LinearSolve() {}

    /**
     * @param a [n, n]
     * @param b [n, k]
     * @return [n, k], in A's type
     */
    public static INDArray solve(INDArray a, INDArray b) {
        Matrices.requireSquare(a, "system matrix");
        Matrices.requireMatrix(b, "right-hand side");
        int n = (int) a.rows(), k = (int) b.columns();
        if (b.rows() != n) throw new IllegalArgumentException("right-hand side has " + b.rows() + " rows, the matrix " + n);
        double[] x = Lapack.gesv(Matrices.rowMajor(a), Matrices.rowMajor(b), n, k, Matrices.isSinglePrecision(a));
        return Matrices.fromRowMajor(x, n, k, a.dataType());
    }
}
