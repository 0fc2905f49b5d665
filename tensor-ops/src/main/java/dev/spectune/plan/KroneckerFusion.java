/*
 * KroneckerFusion: the plan rewrite that forms a Kronecker product R = Q1 ⊗ … ⊗ Qm, and the
 * gradients of its factors, in one op each instead of the chain of outer products, reshapes and
 * permutes a graph builds it from (SODA's rotation, arXiv 2405.21050 §3; OFT's block structure
 * generalised as in BOFT). On a small UNet's 16–32-wide layers that chain is ~10 ND4J calls per
 * layer forward and backward, each costing far more than the few hundred multiply-adds it does.
 *
 * The graph marks a formed product by naming its value {@link #name}: "kronecker(Q1,…,Qm)" with the
 * factors' slot names. Then
 *   forward:  the op writing R computes it from the factors: R[i, j] = Π_k Qk[i_k, j_k], where i_k,
 *             j_k are the digits of i, j in the mixed radix (k1, …, km), Q1 the most significant —
 *             multiplied left to right with a rounding after each product, as the chain does;
 *   backward: the op writing a factor's gradient dQk computes it from R's gradient:
 *             dQk[a, b] = Σ_{i_k = a, j_k = b} dR[i, j]·Π_{l≠k} Ql[i_l, j_l] (float64 sums) —
 *             only where every reader of Qk is part of R's forward chain (then R carries all of
 *             Qk's gradient) and R's gradient exists.
 * The ops of the chain then have no reader left and drop out of the plan's later runs.
 */
package dev.spectune.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

public final class KroneckerFusion {
    private KroneckerFusion() {}

    private static final String PREFIX = "kronecker(";

    /** The name a graph gives its formed Kronecker product so a plan fuses it: "kronecker(Q1,…,Qm)". */
    public static String name(List<String> factorNames) {
        for (String f : factorNames) {
            if (f.contains(",") || f.contains(")")) throw new IllegalArgumentException("kronecker: factor name '" + f + "' contains ',' or ')'");
        }
        return PREFIX + String.join(",", factorNames) + ")";
    }

    /** The factor names of a marked product, or null. */
    static List<String> factorsOf(String slotName) {
        if (!slotName.startsWith(PREFIX) || !slotName.endsWith(")")) return null;
        return List.of(slotName.substring(PREFIX.length(), slotName.length() - 1).split(","));
    }

    /**
     * Fuses every marked product of the plan.
     *
     * @param gradientSuffix how the gradient function names a value's gradient ("-grad")
     */
    static void fuse(List<PlanOp> ops, List<String> slotNames, Map<String, Integer> slots, String gradientSuffix) {
        Map<Integer, Integer> producer = new HashMap<>();
        Map<Integer, List<Integer>> readers = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            for (int o : ops.get(i).outputs()) producer.put(o, i);
            if (ops.get(i).readsShapeOnly()) continue;                                     // shape_of reads no value
            for (int in : ops.get(i).inputs()) readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
        }
        for (int r = 0; r < slotNames.size(); r++) {
            List<String> names = factorsOf(slotNames.get(r));
            Integer writer = producer.get(r);
            if (names == null || writer == null || ops.get(writer).outputs().length != 1 || names.size() < 2) continue;
            int[] factors = new int[names.size()];
            boolean known = true;
            for (int k = 0; k < factors.length; k++) {
                Integer s = slots.get(names.get(k));
                known &= s != null;
                factors[k] = s == null ? -1 : s;
            }
            if (!known) continue;
            Set<Integer> chain = chain(ops, producer, writer, factors);
            ops.get(writer).fuse(new Forward(factors));
            Integer rGrad = slots.get(slotNames.get(r) + gradientSuffix);
            if (rGrad == null || !producer.containsKey(rGrad)) continue;
            for (int k = 0; k < factors.length; k++) {
                Integer g = slots.get(names.get(k) + gradientSuffix);
                Integer gWriter = g == null ? null : producer.get(g);
                if (gWriter == null || ops.get(gWriter).outputs().length != 1) continue;
                if (!chain.containsAll(readers.getOrDefault(factors[k], List.of()))) continue;   // Qk read elsewhere too: its gradient has more terms
                ops.get(gWriter).fuse(new FactorGradient(k, rGrad, factors));
            }
        }
    }

    /** The ops R's value depends on, back to the factors (R's writer included). */
    private static Set<Integer> chain(List<PlanOp> ops, Map<Integer, Integer> producer, int writer, int[] factors) {
        Set<Integer> stop = new HashSet<>();
        for (int f : factors) stop.add(f);
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(writer));
        while (!queue.isEmpty()) {
            int op = queue.pop();
            if (!seen.add(op)) continue;
            for (int in : ops.get(op).inputs()) {
                Integer p = producer.get(in);
                if (p != null && !stop.contains(in)) queue.add(p);
            }
        }
        return seen;
    }

    /**
     * The factors' values as float64 arrays in c order, their sizes k, the product's side n and the
     * mixed-radix digits of every index below n (digits[i][f]: factor f's index within i).
     */
    private record Factors(double[][] q, int[] k, int n, int[][] digits) {
        static Factors of(INDArray[] values, int[] slots) {
            int[] k = new int[slots.length];
            double[][] q = new double[slots.length][];
            int n = 1;
            for (int i = 0; i < slots.length; i++) {
                INDArray v = values[slots[i]];
                if (v.rank() != 2 || v.size(0) != v.size(1)) throw new IllegalStateException("kronecker: factor " + i + " is not square: " + java.util.Arrays.toString(v.shape()));
                k[i] = (int) v.size(0);
                q[i] = read(v);
                n *= k[i];
            }
            return new Factors(q, k, n, KroneckerFusion.digits(k, n));
        }

        /** Factor f's entry at the digits of (i, j). */
        double entry(int f, int i, int j) {
            return q[f][digits[i][f] * k[f] + digits[j][f]];
        }
    }

    private static boolean computable(INDArray a) {
        return a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE;
    }

    /** An array's elements in c order. */
    static double[] read(INDArray a) {
        INDArray c = a.ordering() == 'c' && java.util.Arrays.equals(a.stride(), org.nd4j.linalg.factory.Nd4j.getStrides(a.shape(), 'c')) ? a : a.dup('c');
        int n = (int) c.length();
        double[] out = new double[n];
        long offset = c.offset();
        if (c.dataType() == DataType.FLOAT) {
            float[] f = new float[n];
            c.data().asNioFloat().get((int) offset, f);
            for (int i = 0; i < n; i++) out[i] = f[i];
        } else {
            c.data().asNioDouble().get((int) offset, out);
        }
        return out;
    }

    /** Writes c-order elements into a c-contiguous array. */
    static void write(double[] v, INDArray into) {
        int offset = (int) into.offset();
        if (into.dataType() == DataType.FLOAT) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            into.data().asNioFloat().put(offset, f);
        } else {
            into.data().asNioDouble().put(offset, v);
        }
    }

    /** Mixed-radix digits: digits[i][k] of index i in the radix {@code sizes}, most significant first. */
    private static int[][] digits(int[] sizes, int n) {
        int[][] d = new int[n][sizes.length];
        for (int i = 0; i < n; i++) {
            int rest = i;
            for (int k = sizes.length - 1; k >= 0; k--) {
                d[i][k] = rest % sizes[k];
                rest /= sizes[k];
            }
        }
        return d;
    }

    /** R = Q1 ⊗ … ⊗ Qm [n, n]. */
    static final class Forward implements PlanOp.Specialization {
        private final int[] factors;

        Forward(int[] factors) {
            this.factors = factors;
        }

        @Override
        public int[] inputs() {
            return factors.clone();
        }

        @Override
        public boolean applies(INDArray[] values) {
            for (int f : factors) if (!computable(values[f])) return false;
            return true;
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            Factors q = Factors.of(values, factors);
            int n = q.n();
            boolean single = values[factors[0]].dataType() == DataType.FLOAT;
            double[] r = new double[n * n];                                                   // [n, n]
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double p = q.entry(0, i, j);
                    for (int f = 1; f < factors.length; f++) {
                        p *= q.entry(f, i, j);
                        if (single) p = (float) p;                                           // the chain rounds after each product
                    }
                    r[i * n + j] = p;
                }
            }
            INDArray out = pool.take(LongShapeDescriptor.fromShape(new long[] {n, n}, values[factors[0]].dataType()));
            write(r, out);
            values[outputs[0]] = out;
        }
    }

    /** dQk [k_k, k_k] from dR [n, n] and the factors. */
    static final class FactorGradient implements PlanOp.Specialization {
        private final int factor, rGrad;
        private final int[] factors;

        FactorGradient(int factor, int rGrad, int[] factors) {
            this.factor = factor;
            this.rGrad = rGrad;
            this.factors = factors;
        }

        @Override
        public int[] inputs() {
            int[] in = new int[factors.length + 1];
            in[0] = rGrad;
            System.arraycopy(factors, 0, in, 1, factors.length);
            return in;
        }

        @Override
        public boolean applies(INDArray[] values) {
            if (!computable(values[rGrad])) return false;
            for (int f : factors) if (!computable(values[f])) return false;
            return true;
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            Factors q = Factors.of(values, factors);
            int n = q.n(), kk = q.k()[factor];
            double[] dr = read(values[rGrad]);                                                // [n, n]
            double[] g = new double[kk * kk];                                                 // [k, k]
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double p = dr[i * n + j];
                    for (int f = 0; f < factors.length; f++) if (f != factor) p *= q.entry(f, i, j);
                    g[q.digits()[i][factor] * kk + q.digits()[j][factor]] += p;
                }
            }
            INDArray out = pool.take(LongShapeDescriptor.fromShape(new long[] {kk, kk}, values[rGrad].dataType()));
            write(g, out);
            values[outputs[0]] = out;
        }
    }
}
