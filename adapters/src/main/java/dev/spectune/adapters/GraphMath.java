/*
 * GraphMath: the small graph constructions the adapters share — W·Rᵀ for a Kronecker rotation
 * R = Q1 ⊗ … ⊗ Qm applied by mode products (never forming R), a diagonal scaling, and the Cayley
 * transform with a differentiable inverse built from stop-gradients (ND4J M2.1's matrix inverse
 * has no usable gradient): X = sg(A⁻¹), A⁻¹ ≈ X + X·(sg(A) − A)·X, exact in value with the right
 * first-order gradient.
 */
package dev.spectune.adapters;

import dev.spectune.plan.KroneckerFusion;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

final class GraphMath {
    private GraphMath() {}

    /**
     * @param w       [rows, Π ki] (rows −1: taken from w)
     * @param factors Qi [ki, ki]
     * @return [rows, Π ki] = W·Rᵀ, each row w ↦ R·w
     */
    static SDVariable timesKroneckerTranspose(SameDiff sd, SDVariable w, long rows, SDVariable[] factors, int[] sizes) {
        int m = factors.length;
        if (m > 1 && formsRotation(rows, sizes)) {
            return sd.mmul(sd.reshape(w, rows, product(sizes)), kronecker(sd, factors, sizes), false, true, false);   // [rows, n]·Rᵀ
        }
        long[] shape = new long[m + 1];
        shape[0] = rows;
        for (int i = 0; i < m; i++) shape[i + 1] = sizes[i];
        SDVariable t = sd.reshape(w, shape);                                           // [rows, k1, …, km]
        for (int i = 0; i < m; i++) {
            int axis = i + 1;
            int[] toLast = new int[m + 1];
            long[] movedShape = new long[m + 1];
            for (int a = 0, p = 0; a <= m; a++) if (a != axis) { toLast[p] = a; movedShape[p++] = shape[a]; }
            toLast[m] = axis;
            movedShape[m] = shape[axis];
            SDVariable moved = sd.permute(t, toLast);                                  // [..., k_axis]
            SDVariable flat = sd.reshape(moved, -1, sizes[i]);                         // [rest, k_axis]
            SDVariable product = sd.mmul(flat, factors[i], false, true, false);        // x ↦ Qi·x on the last axis
            SDVariable back = sd.reshape(product, movedShape);
            int[] inverse = new int[m + 1];
            for (int a = 0; a <= m; a++) inverse[toLast[a]] = a;
            t = sd.permute(back, inverse);
        }
        return sd.reshape(t, rows, product(sizes));
    }

    /**
     * @param x       [N, Π ki] (N may be dynamic)
     * @return [N, Π ki] = x·R, R = Q1 ⊗ … ⊗ Qm: (x·R)ᵀ = Rᵀ·xᵀ and Rᵀ = Q1ᵀ ⊗ … ⊗ Qmᵀ
     */
    static SDVariable timesKronecker(SameDiff sd, SDVariable x, SDVariable[] factors, int[] sizes) {
        SDVariable[] transposed = new SDVariable[factors.length];
        for (int i = 0; i < factors.length; i++) transposed[i] = sd.permute(factors[i], 1, 0);        // Qiᵀ [ki, ki]
        return timesKroneckerTranspose(sd, x, -1, transposed, sizes);
    }

    /**
     * A graph op costs about as much as this many multiply-adds at the sizes where it matters (~25 µs
     * per SameDiff/ND4J call on this project's 2-core reference machine, small matmuls at ~10 GMAC/s).
     */
    static final long OP_COST_MACS = 250_000;

    /**
     * Whether W·Rᵀ is cheaper with R formed ([n, n], m − 1 broadcast products, one matmul) than by the
     * m mode products (each a permute, a matmul and a permute back, plus as many in backward): by
     * multiply-adds, with each op saved counted at {@link #OP_COST_MACS}. Forming wins on the small
     * layers of a small UNet (n ≤ 64: one matmul instead of ~10 ops per factor), mode products on wide
     * ones and whenever the row count is not known ({@code rows} −1: a layer's input).
     */
    static boolean formsRotation(long rows, int[] sizes) {
        if (rows < 0) return false;
        long n = product(sizes), sum = 0;
        for (int k : sizes) sum += k;
        double formed = (double) (rows + sizes.length) * n * n;
        double modes = (double) rows * n * sum + 4.0 * sizes.length * OP_COST_MACS;
        return formed <= modes;
    }

    /**
     * R = Q1 ⊗ … ⊗ Qm [n, n]: (A ⊗ B)[i·b + k, j·b + l] = A[i, j]·B[k, l], as the outer product
     * vec(A)·vec(B)ᵀ [a², b²] (a rank-1 matmul) with its axes (i, j, k, l) permuted to (i, k, j, l).
     * A broadcast product [a, 1, a, 1]·[1, b, 1, b] gives the same values, but ND4J's backward of a
     * two-sided broadcast tiles both operands (~60 µs a call against ~10 for these two ops). The
     * result is named {@link KroneckerFusion#name} so an execution plan forms it, and the factors'
     * gradients, in one op each; SameDiff's own executor runs the chain.
     */
    static SDVariable kronecker(SameDiff sd, SDVariable[] factors, int[] sizes) {
        String name = KroneckerFusion.name(java.util.Arrays.stream(factors).map(SDVariable::name).toList());
        if (sd.hasVariable(name)) return sd.getVariable(name);                                       // formed before from the same factors
        SDVariable r = factors[0];
        long a = sizes[0];
        for (int i = 1; i < factors.length; i++) {
            long b = sizes[i];
            SDVariable outer = sd.mmul(sd.reshape(r, a * a, 1), sd.reshape(factors[i], 1, b * b));   // [a², b²]
            SDVariable ikjl = sd.permute(sd.reshape(outer, a, a, b, b), 0, 2, 1, 3);                 // [a, b, a, b]
            r = sd.reshape(ikjl, a * b, a * b);                                                      // [a·b, a·b]
            a *= b;
        }
        return factors.length > 1 ? r.rename(name) : r;                                               // the name lets a plan fuse the chain
    }

    private static long product(int[] sizes) {
        long p = 1;
        for (int s : sizes) p *= s;
        return p;
    }

    /** (I − K)(I + K)⁻¹ with K = ½(X − Xᵀ), differentiable in X. */
    static SDVariable cayley(SameDiff sd, SDVariable x, int n) {
        SDVariable eye = sd.constant(Nd4j.eye(n).castTo(x.dataType()));
        SDVariable k = x.sub(sd.permute(x, 1, 0)).mul(0.5);
        SDVariable plus = eye.add(k);
        return eye.sub(k).mmul(inverse(sd, plus));
    }

    /** A⁻¹ with a usable first-order gradient: X + X·(sg(A) − A)·X, X = sg(inv(A)). */
    static SDVariable inverse(SameDiff sd, SDVariable a) {
        SDVariable x = stopGradient(sd, sd.math().matrixInverse(a));
        return x.add(x.mmul(stopGradient(sd, a).sub(a)).mmul(x));
    }

    /** The value of x with no gradient flowing back (ND4J's StopGradient op; SameDiff has no factory method for it). */
    static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, x).outputVariable();
    }
}
