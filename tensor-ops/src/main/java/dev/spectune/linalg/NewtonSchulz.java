/*
 * NewtonSchulz: the inverse square root A^{-1/2} of a symmetric positive definite matrix by the
 * coupled Newton–Schulz iteration (Higham, "Functions of Matrices", 2008, eq. 6.35), as the polar
 * retraction X ← X·(XᵀX)^{-1/2} of the Stiefel optimizers uses it.
 *
 *   c = ‖A‖_F,  Y0 = A/c,  Z0 = I
 *   T = (3I − Zk·Yk)/2,  Yk+1 = Yk·T,  Zk+1 = T·Zk      → Y → (A/c)^{1/2}, Z → (A/c)^{-1/2}
 *   A^{-1/2} = Z/√c
 * Converges when the spectrum of A/c lies in (0, 1], which the scaling guarantees for SPD A.
 */
package dev.spectune.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class NewtonSchulz {
    private NewtonSchulz() {}

    public static final int DEFAULT_MAX_ITERATIONS = 100;

    /** A^{-1/2} for SPD A [n, n], iterated until ‖Z_{k+1} − Z_k‖_max ≤ tol (or maxIterations). */
    public static INDArray inverseSqrt(INDArray a, double tolerance, int maxIterations) {
        Matrices.requireSquare(a, "Newton–Schulz input");
        double c = a.norm2Number().doubleValue();
        if (!(c > 0)) throw new ArithmeticException("Newton–Schulz: matrix is zero or not finite");
        int n = (int) a.rows();
        INDArray eye = Nd4j.eye(n).castTo(a.dataType());
        INDArray y = a.div(c);
        INDArray z = eye.dup();
        for (int it = 0; it < maxIterations; it++) {
            INDArray t = eye.mul(3).subi(z.mmul(y)).muli(0.5);
            y = y.mmul(t);
            INDArray next = t.mmul(z);
            double change = next.sub(z).amaxNumber().doubleValue();
            z = next;
            if (change <= tolerance) break;
        }
        return z.divi(Math.sqrt(c));
    }
}
