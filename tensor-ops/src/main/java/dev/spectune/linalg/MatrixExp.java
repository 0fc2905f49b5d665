/*
 * MatrixExp: the matrix exponential by scaling and squaring with a Taylor series (Moler & Van
 * Loan, "Nineteen Dubious Ways…", 2003, method 3), used for the exponential step of the Stiefel
 * optimizers on skew-symmetric matrices (where exp(K) is a rotation).
 *
 *   s = max(0, ⌈log2(‖K‖₁ / θ)⌉),  E = Σ_{j=0}^{J} (K/2^s)^j / j!,  exp(K) = E^(2^s)
 * With θ = 1/4 the truncation term is below 1e-17 after 18 terms.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class MatrixExp {
    private MatrixExp() {}

    private static final double THETA = 0.25;
    private static final int MAX_TERMS = 30;

    /** exp(K) for square K [n, n]. */
    public static INDArray exp(INDArray k) {
        Matrices.requireSquare(k, "matrix exponential input");
        int n = (int) k.rows();
        double norm1 = k.norm1(0).maxNumber().doubleValue();       // max column sum of |K|
        int s = norm1 <= THETA ? 0 : (int) Math.ceil(Math.log(norm1 / THETA) / Math.log(2));
        INDArray a = k.div(Math.pow(2, s));
        INDArray sum = Nd4j.eye(n).castTo(k.dataType());
        INDArray term = sum.dup();
        for (int j = 1; j <= MAX_TERMS; j++) {
            term = term.mmul(a).divi(j);
            sum.addi(term);
            if (term.amaxNumber().doubleValue() < 1e-18) break;
        }
        for (int i = 0; i < s; i++) sum = sum.mmul(sum);
        return sum;
    }

    /** exp(K) for K required skew-symmetric (|K + Kᵀ| ≤ tol), e.g. a Stiefel optimizer's step. */
    public static INDArray expSkew(INDArray k, double tolerance) {
        Matrices.requireSquare(k, "skew matrix");
        double asym = k.add(k.transpose()).amaxNumber().doubleValue();
        if (asym > tolerance) {
            throw new IllegalArgumentException("matrix is not skew-symmetric: max |K + Kᵀ| = " + asym);
        }
        return exp(k);
    }
}
