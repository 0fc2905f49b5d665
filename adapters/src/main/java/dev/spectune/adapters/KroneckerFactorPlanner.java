/*
 * KroneckerFactorPlanner: chooses the sizes (k1, …, km) of SODA's rotation R = Q1 ⊗ … ⊗ Qm for a
 * layer dimension d = Π ki (SODA, §3: the Kronecker-factored orthogonal rotation).
 *
 *   BALANCED  factors ≥ 2 minimising Σ ki² (the rotation's parameter count), i.e. as equal as the
 *             divisors of d allow; ties broken by the smallest largest factor; sorted ascending
 *   AUTHORS   the SODA authors' table where it has d — {640: (8,8,10), 768: (6,8,16),
 *             1280: (4,16,20), 2048: (4,8,64)} — else BALANCED (their table has no 320)
 * A dimension with fewer than m prime factors (counted with multiplicity) cannot be split into m
 * factors ≥ 2: that is an error naming the dimension and its factorisation.
 */
package dev.spectune.adapters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class KroneckerFactorPlanner {
    private KroneckerFactorPlanner() {}

    public enum Mode { BALANCED, AUTHORS }

    /** The table hard-coded in SODA's run_SODA_svd.py (SD-XL dimensions). */
    public static final Map<Integer, int[]> AUTHORS_TABLE = Map.of(
            640, new int[] {8, 8, 10}, 768, new int[] {6, 8, 16}, 1280, new int[] {4, 16, 20}, 2048, new int[] {4, 8, 64});

    public static final int DEFAULT_FACTORS = 3;

    public static int[] plan(int dimension, int factors, Mode mode) {
        if (dimension < 1 || factors < 1) throw new IllegalArgumentException("dimension and factor count must be positive, got " + dimension + ", " + factors);
        if (mode == Mode.AUTHORS && factors == 3 && AUTHORS_TABLE.containsKey(dimension)) return AUTHORS_TABLE.get(dimension).clone();
        int[] best = search(dimension, factors);
        if (best == null) {
            throw new IllegalArgumentException("cannot split dimension " + dimension + " = " + primeFactors(dimension) + " into " + factors
                    + " Kronecker factors of size >= 2; use fewer factors");
        }
        return best;
    }

    private static int[] search(int dimension, int factors) {
        List<int[]> found = new ArrayList<>();
        collect(dimension, factors, 2, new int[factors], 0, found);
        int[] best = null;
        long bestCost = Long.MAX_VALUE;
        for (int[] f : found) {
            long cost = 0;
            for (int k : f) cost += (long) k * k;
            if (cost < bestCost || (cost == bestCost && f[f.length - 1] < best[best.length - 1])) {
                bestCost = cost;
                best = f;
            }
        }
        return best;
    }

    /** All non-decreasing factorisations of {@code remaining} into {@code left} factors ≥ min. */
    private static void collect(int remaining, int left, int min, int[] current, int filled, List<int[]> out) {
        if (left == 1) {
            if (remaining >= min) {
                current[filled] = remaining;
                out.add(current.clone());
            }
            return;
        }
        for (int k = min; (long) k * k <= remaining; k++) {
            if (remaining % k != 0) continue;
            current[filled] = k;
            collect(remaining / k, left - 1, k, current, filled + 1, out);
        }
    }

    static List<Integer> primeFactors(int n) {
        List<Integer> p = new ArrayList<>();
        for (int d = 2; (long) d * d <= n; d++) while (n % d == 0) { p.add(d); n /= d; }
        if (n > 1) p.add(n);
        return p;
    }

    /** Σ ki²: the number of rotation parameters. */
    public static int parameterCount(int[] factors) {
        return Arrays.stream(factors).map(k -> k * k).sum();
    }
}
