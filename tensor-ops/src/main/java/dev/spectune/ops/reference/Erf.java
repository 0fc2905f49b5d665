/*
 * Erf: the error function in double precision, for the exact-GELU reference.
 *
 * Uses the everywhere-convergent series with positive terms (Abramowitz & Stegun 7.1.6):
 *   erf(x) = 2/√π · e^{−x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·5···(2n+1))
 * which has no cancellation; for |x| ≥ 6, erf(x) = ±1 to double precision.
 */
package dev.spectune.ops.reference;

public final class Erf {
    private Erf() {}

    public static double erf(double x) {
        if (Double.isNaN(x)) return Double.NaN;
        double ax = Math.abs(x);
        if (ax >= 6) return Math.signum(x);
        double term = ax, sum = ax;
        for (int n = 1; n < 500; n++) {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        double value = 2 / Math.sqrt(Math.PI) * Math.exp(-ax * ax) * sum;
        return Math.copySign(value, x);
    }
}
