/*
 * TorchExpFloat32: exp on float32 the way PyTorch's CPU kernels evaluate it (Vectorized<float>::exp
 * → SLEEF's expf, 1.0-ULP variant), so float32 quantities diffusers computes with torch.exp — the
 * timestep frequencies — come out bit for bit. Java's (float) Math.exp is correctly rounded and
 * differs from it by an ulp for some inputs, which the sine of t·freq (t up to 999) magnifies.
 *
 * Method (Cody–Waite reduction, then a degree-6 polynomial; Shibata & Petrogalli, "SLEEF: A
 * Portable Vectorized Library of C Standard Mathematical Functions", IEEE TPDS 2020):
 *   q = rint(x / ln2);  s = x − q·ln2 (ln2 split in a high and a low part, each step one fma)
 *   u = Horner(c5 … c0, s);  e^s ≈ s²·u + s + 1;  result = e^s · 2^q
 */
package dev.spectune.ops;

public final class TorchExpFloat32 {
    private TorchExpFloat32() {}

    private static final float INV_LN2 = 1.442695040888963407359924681001892137f;
    private static final float LN2_HIGH = 0.693145751953125f;
    private static final float LN2_LOW = 1.428606765330187045e-06f;
    /** Minimax coefficients of (e^s − 1 − s)/s² on |s| ≤ ln2/2, highest degree first. */
    private static final float[] COEFFICIENTS = {
            0.000198527617612853646278381f, 0.00139304355252534151077271f, 0.00833336077630519866943359f,
            0.0416664853692054748535156f, 0.166666671633720397949219f, 0.5f};

    public static float exp(float x) {
        if (x < -104f) return 0f;
        if (x > 104f) return Float.POSITIVE_INFINITY;
        float q = (float) Math.rint(x * INV_LN2);
        float s = Math.fma(q, -LN2_HIGH, x);
        s = Math.fma(q, -LN2_LOW, s);
        float u = COEFFICIENTS[0];
        for (int i = 1; i < COEFFICIENTS.length; i++) u = Math.fma(u, s, COEFFICIENTS[i]);
        u = s * s * u + s + 1.0f;
        return Math.scalb(u, (int) q);
    }
}
