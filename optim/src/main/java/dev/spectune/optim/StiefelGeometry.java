/*
 * StiefelGeometry: the matrix operations the Stiefel optimizers are made of, written as the
 * reference code computes them (konglk1203/VariationalStiefelOptimizer, utils_StiefelOptimizers.py).
 *
 *   cay(Y, α) = (I − α/2·Y)⁻¹ (I + α/2·Y)
 *   rootInv(A): coupled Newton–Schulz on A/‖A‖_F (Higham, "Functions of Matrices", eq. 6.35);
 *     it returns the Z of the iteration BEFORE the last one, divided by √‖A‖_F — as the
 *     reference does (with zero iterations: I/√‖A‖_F).
 */
package dev.spectune.optim;

import dev.spectune.linalg.Cayley;
import dev.spectune.linalg.MatrixExp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

final class StiefelGeometry {
    private StiefelGeometry() {}

    static INDArray eye(long n, INDArray like) {
        return Nd4j.eye(n).castTo(like.dataType());
    }

    static INDArray cayley(INDArray y, double alpha) {
        return Cayley.plusMinus(y.mul(alpha / 2));
    }

    /** X moved along the skew direction Y with step η, by the chosen method. */
    static INDArray move(INDArray x, INDArray y, double eta, StiefelOptions.ExpMethod method) {
        return switch (method) {
            case FORWARD_EULER -> x.add(x.mmul(y).muli(eta));
            case CAYLEY -> x.mmul(cayley(y, eta));
            case MATRIX_EXP -> x.mmul(MatrixExp.exp(y.mul(eta)));
        };
    }

    /** A^{-1/2} and the number of Newton–Schulz iterations the loop ran. */
    record RootInverse(INDArray value, int iterations) {}

    /** (A)^{-1/2} for SPD A by the reference code's coupled Newton–Schulz loop. */
    static RootInverse rootInverse(INDArray a, StiefelOptions options) {
        long n = a.rows();
        boolean single = a.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT;
        INDArray eye = eye(n, a);
        double nrm = round(a.norm2Number().doubleValue(), single);
        double sqrtNrm = round(Math.sqrt(nrm), single);
        INDArray y = a.div(nrm), z = eye.dup();
        INDArray zPrev = z;
        double err = nrm, olderr = round(nrm + 1, single);     // scalars are float32 tensors in the float32 reference run
        int i = 0;
        while (i < options.maxIterations() && (options.rootInverse() == StiefelOptions.RootInverse.FIXED || err < olderr)) {
            INDArray t = eye.mul(3).subi(z.mmul(y)).muli(0.5);
            INDArray yNext = y.mmul(t), zNext = t.mmul(z);
            INDArray scaled = yNext.mul(sqrtNrm);
            double errNext = round(round(a.sub(scaled.mmul(scaled)).norm2Number().doubleValue(), single) / nrm, single);
            zPrev = z;
            y = yNext;
            z = zNext;
            olderr = err;
            err = errNext;
            i++;
        }
        return new RootInverse(zPrev.div(sqrtNrm), i);
    }

    private static double round(double v, boolean single) {
        return single ? (float) v : v;
    }

    /** X ← X·(XᵀX)^{-1/2}: back onto the manifold; records the iteration count in {@code p}. */
    static INDArray retract(INDArray x, StiefelOptions options, StiefelParam p) {
        RootInverse r = rootInverse(x.transpose().mmul(x), options);
        p.lastRootInverseIterations = r.iterations();
        return x.mmul(r.value());
    }
}
