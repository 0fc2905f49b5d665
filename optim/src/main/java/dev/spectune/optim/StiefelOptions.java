/*
 * StiefelOptions: the choices the momentum Stiefel optimizers of Kong, Wang & Tao (ICLR 2023)
 * offer, with the names of their reference code.
 *
 *   expMethod      how the skew momentum moves X: FORWARD_EULER X + ηXY, CAYLEY X·cay(ηY),
 *                  MATRIX_EXP X·exp(ηY)
 *   innerProduct   the metric on the tangent space: CANONICAL (a = 1/2) or EUCLIDEAN (a = 0)
 *   rootInverse    the Newton–Schulz loop of the polar retraction: UNTIL_STALL (stop when the
 *                  error stops decreasing, at most maxIterations: the 2023 code and SODA's copy)
 *                  or FIXED (exactly maxIterations: the 2024 vectorised code)
 */
package dev.spectune.optim;

public record StiefelOptions(ExpMethod expMethod, InnerProduct innerProduct, RootInverse rootInverse, int maxIterations) {

    public enum ExpMethod { FORWARD_EULER, CAYLEY, MATRIX_EXP }

    public enum InnerProduct {
        CANONICAL(0.5), EUCLIDEAN(0.0);

        final double a;

        InnerProduct(double a) {
            this.a = a;
        }
    }

    public enum RootInverse { UNTIL_STALL, FIXED }

    public StiefelOptions {
        if (maxIterations < 1) throw new IllegalArgumentException("Newton–Schulz iterations must be >= 1, got " + maxIterations);
    }

    /** SODA's defaults (run_SODA_svd.py): forward Euler, canonical metric, up to 100 stalling iterations. */
    public static StiefelOptions soda() {
        return new StiefelOptions(ExpMethod.FORWARD_EULER, InnerProduct.CANONICAL, RootInverse.UNTIL_STALL, 100);
    }

    public StiefelOptions withExpMethod(ExpMethod method) {
        return new StiefelOptions(method, innerProduct, rootInverse, maxIterations);
    }

    /** b = a/(a − 1): −1 canonical, 0 Euclidean; the skew gradient is (1 − b)/2·(XᵀG − GᵀX). */
    double skewGradientScale() {
        double a = innerProduct.a, b = a / (a - 1);
        return (1 - b) / 2;
    }

    /** −(3a − 2)/2: the coefficient of the V·Y coupling of the normal momentum. */
    double couplingScale() {
        return -(3 * innerProduct.a - 2) / 2;
    }
}
