/*
 * Bf16: bfloat16 ↔ float in Java. A bf16 value is the top 16 bits of a float32; encoding rounds
 * to nearest, ties to even, as torch does, and keeps NaN a NaN.
 */
package dev.spectune.checkpoint.safetensors;

public final class Bf16 {
    private Bf16() {}

    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) return (short) ((bits >>> 16) | 0x0040);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }
}
