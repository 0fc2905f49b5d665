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

final class StiefelGeometry {
    private StiefelGeometry() {}

    static SmallMatrix cayley(SmallMatrix y, double alpha) {
        int n = y.rows;
        SmallMatrix minus = SmallMatrix.identity(n).addInPlace(y, -alpha / 2);
        SmallMatrix plus = SmallMatrix.identity(n).addInPlace(y, alpha / 2);
        return SmallMatrix.solve(minus, plus);
    }

    /** X moved along the skew direction Y with step η, by the chosen method. */
    static SmallMatrix move(SmallMatrix x, SmallMatrix y, double eta, StiefelOptions.ExpMethod method) {
        return switch (method) {
            case FORWARD_EULER -> x.plus(x.times(y), eta);
            case CAYLEY -> x.times(cayley(y, eta));
            case MATRIX_EXP -> x.times(SmallMatrix.exp(y.scaled(eta)));
        };
    }

    /** A^{-1/2} and the number of Newton–Schulz iterations the loop ran. */
    record RootInverse(SmallMatrix value, int iterations) {}

    /** (A)^{-1/2} for SPD A by the reference code's coupled Newton–Schulz loop. */
    static RootInverse rootInverse(SmallMatrix a, StiefelOptions options) {
        int n = a.rows;
        SmallMatrix eye = SmallMatrix.identity(n);
        double nrm = a.frobenius(), sqrtNrm = Math.sqrt(nrm);
        SmallMatrix y = a.scaled(1 / nrm), z = eye.copy(), zPrev = z;
        double err = nrm, olderr = nrm + 1;
        int i = 0;
        while (i < options.maxIterations() && (options.rootInverse() == StiefelOptions.RootInverse.FIXED || err < olderr)) {
            SmallMatrix t = eye.scaled(3).addInPlace(z.times(y), -1).scaleInPlace(0.5);
            SmallMatrix yNext = y.times(t), zNext = t.times(z);
            SmallMatrix scaled = yNext.scaled(sqrtNrm);
            double errNext = a.plus(scaled.times(scaled), -1).frobenius() / nrm;
            zPrev = z;
            y = yNext;
            z = zNext;
            olderr = err;
            err = errNext;
            i++;
        }
        return new RootInverse(zPrev.scaled(1 / sqrtNrm), i);
    }

    /** X ← X·(XᵀX)^{-1/2}: back onto the manifold; records the iteration count in {@code p}. */
    static SmallMatrix retract(SmallMatrix x, StiefelOptions options, StiefelParam p) {
        RootInverse r = rootInverse(x.transpose().times(x), options);
        p.lastRootInverseIterations = r.iterations();
        return x.times(r.value());
    }
}
