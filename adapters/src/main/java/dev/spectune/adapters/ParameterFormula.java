/*
 * ParameterFormula: each method's trainable parameter count for one weight [out, in] as its paper
 * states it, computed from the shape alone — the number the built adapter must reproduce
 * (k = min(out, in); r the rank; ki the Kronecker factors; b the OFT block size):
 *
 *   LoRA (Hu et al. 2021)                 r·(in + out)
 *   DoRA (Liu et al. 2024)                r·(in + out) + out
 *   SVDiff (Han et al. 2023)              k
 *   SODA (Zhang et al. 2024)              k + Σ ki² (+ Σ kj² of the output-side rotation)
 *   Spectral Adapter A (Zhang & Pilanci)  r·(out + in + 1);   R: 2r² + r
 *   OFT (Qiu et al. 2023)                 peft 0.17: (in/b)·b(b−1)/2;  0.13: (out/b)·b²;  block sharing: one block
 *   BOFT (Liu et al. 2024)                m·D·H² + out (m butterfly factors, D blocks of H, D·H = in)
 *   VeRA (Kopiczko et al. 2024)           out + r
 *   LiDB (Ruiz et al. 2023)               r·(a + b), a ≤ out, b ≤ in
 *   LoHa (Hyeon-Woo et al. 2022)          2r·(out + in)
 *   LoKr (full factors)                   out₁·in₁ + out₂·in₂ (out = out₁·out₂, in = in₁·in₂)
 *   HRA (Yuan et al. 2024)                in·r
 *   IA3 (Liu et al. 2022)                 out, or in for a feed-forward layer
 */
package dev.spectune.adapters;

public final class ParameterFormula {
    private ParameterFormula() {}

    public static long count(AdapterSpec spec, long out, long in) {
        return count(spec, null, out, in);
    }

    /** As {@link #count(AdapterSpec, long, long)} for the weight under {@code key} (IA3 tells feed-forward layers by key). */
    public static long count(AdapterSpec spec, String key, long out, long in) {
        long k = Math.min(out, in), r = spec.rank();
        AdapterSpec.More m = spec.more();
        return switch (spec.method()) {
            case "lora" -> r * (in + out);
            case "dora" -> r * (in + out) + out;
            case "svdiff" -> k;
            case "soda-svd" -> k + (spec.side() == RotationSide.OUTPUT ? 0 : squares(KroneckerFactorPlanner.plan((int) in, spec.factorCount(), spec.factorMode())))
                    + (spec.side() == RotationSide.INPUT ? 0 : squares(KroneckerFactorPlanner.plan((int) out, spec.factorCount(), spec.factorMode())));
            case "soda-qr" -> k + squares(KroneckerFactorPlanner.plan((int) in, spec.factorCount(), spec.factorMode()));
            case "spectral-a" -> r * (out + in + 1);
            case "spectral-r" -> 2 * r * r + r;
            case "oft" -> {
                boolean v017 = m.oftLayout() == Oft.Layout.PEFT_0_17;
                long dim = v017 ? in : out, blocks = m.oftBlockSize() > 0 ? dim / m.oftBlockSize() : r, b = dim / blocks;
                long perBlock = v017 ? b * (b - 1) / 2 : b * b;
                yield (m.blockShare() ? 1 : blocks) * perBlock;
            }
            case "boft" -> {
                long h = m.oftBlockSize() != 0 ? m.oftBlockSize() : in / r;
                yield (long) m.boftButterflyFactors() * (in / h) * h * h + out;
            }
            case "vera" -> out + r;
            case "lidb" -> r * (Math.min(m.lidbAuxA(), out) + Math.min(m.lidbAuxB(), in));
            case "loha" -> 2 * r * (out + in);
            case "lokr" -> {
                int[] o = Lokr.factorization(out), i = Lokr.factorization(in);
                yield (long) o[0] * i[0] + (long) o[1] * i[1];
            }
            case "hra" -> in * r;
            case "ia3" -> key != null && m.ia3Feedforward() != null && key.matches(m.ia3Feedforward()) ? in : out;
            default -> throw new IllegalArgumentException(spec.method());
        };
    }

    private static long squares(int[] factors) {
        long s = 0;
        for (int f : factors) s += (long) f * f;
        return s;
    }
}
