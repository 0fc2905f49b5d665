/*
 * Cayley: the Cayley transform of a matrix K, the map from skew-symmetric matrices to rotations
 * used by OFT and the Spectral Adapter's rotational variant (Spectral Adapter paper, eq. for
 * cay(·); Kong, Wang & Tao 2023 for the Stiefel optimizers).
 *
 *   minusPlus(K) = (I − K)(I + K)⁻¹        plusMinus(K) = (I + K)(I − K)⁻¹
 *
 * Because (I − K) and (I + K) commute, (I − K)(I + K)⁻¹ = (I + K)⁻¹(I − K): one linear solve,
 * no explicit inverse. For skew K the result is orthogonal with determinant 1.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Cayley {
    private Cayley() {}

    /** (I − K)(I + K)⁻¹ for square K [n, n]. */
    public static INDArray minusPlus(INDArray k) {
        return solveCommuting(k, -1);
    }

    /** (I + K)(I − K)⁻¹ for square K [n, n]. */
    public static INDArray plusMinus(INDArray k) {
        return solveCommuting(k, +1);
    }

    /** ½(X − Xᵀ): the skew part that the Spectral Adapter feeds to cay(·). */
    public static INDArray skewPart(INDArray x) {
        Matrices.requireSquare(x, "skew input");
        return x.sub(x.transpose()).muli(0.5);
    }

    /** sign −1: (I + K)⁻¹(I − K); sign +1: (I − K)⁻¹(I + K). */
    private static INDArray solveCommuting(INDArray k, int sign) {
        Matrices.requireSquare(k, "Cayley input");
        int n = (int) k.rows();
        INDArray eye = Nd4j.eye(n).castTo(k.dataType());
        INDArray numerator = sign < 0 ? eye.sub(k) : eye.add(k);
        INDArray denominator = sign < 0 ? eye.add(k) : eye.sub(k);
        double[] x = Lapack.gesv(Matrices.rowMajor(denominator), Matrices.rowMajor(numerator), n, n,
                Matrices.isSinglePrecision(k));
        return Matrices.fromRowMajor(x, n, n, k.dataType());
    }
}
