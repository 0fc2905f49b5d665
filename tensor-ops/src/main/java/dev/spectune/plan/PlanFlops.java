/*
 * PlanFlops: the floating-point operations of a plan's matrix products and convolutions, from the
 * shapes its first run recorded — what the torch profiler's with_flops counts for aten::mm/bmm/
 * conv2d (2 per multiply-add; elementwise ops, norms and softmax are not counted). Used by
 * `bench train` to report achieved GFLOP/s against the CPU's FMA peak.
 *
 *   matmul      Y = op(A)·op(B):        2 · |Y| · K          (K: op(A)'s columns)
 *   matmul_bp   dA and dB:              2 × that; with one gradient (a frozen operand) 1 ×
 *   conv2d      Y [B, O, oH, oW]:       2 · |Y| · |W| / O    (C·kH·kW multiply-adds per output)
 *   conv2d_bp   dX and dW:              2 × that; the input gradient alone 1 ×
 *   attention, fused over query blocks (inference): Q·Kᵀ and P·V, 4 · X · N · M · d
 */
package dev.spectune.plan;

import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;

final class PlanFlops {
    private PlanFlops() {}

    /** The op's FLOPs given every slot's shape (0 for ops that are neither products nor convolutions). */
    static double of(PlanOp op, long[][] shapes) {
        int[] in = op.originalInputs();
        var f = op.function();
        double halves = op.isSpecialized() ? 1 : 2;                          // a specialized backward computes one of the two gradients
        if (op.isFusedAttention()) {
            long[] q = shapes[op.inputs()[0]], k = shapes[op.inputs()[1]];    // [X, N, d], [X, M, d]
            return 4.0 * prefix(q, 2) * q[q.length - 2] * k[k.length - 2] * q[q.length - 1];
        }
        if (f instanceof MmulBp mm) return halves * product(shapes[in[0]], shapes[in[2]], mm.iArgs());
        if (f instanceof Mmul mm) return product(shapes[in[0]], shapes[op.outputs()[0]], mm.iArgs());
        if (f instanceof Conv2DDerivative) return halves * conv(shapes[in[1]], shapes[in[in.length - 1]]);
        if (f instanceof Conv2D) return conv(shapes[in[1]], shapes[op.outputs()[0]]);
        return 0;
    }

    /** 2 · |Y| · K for Y = op(A)·op(B). */
    private static double product(long[] a, long[] y, long[] iArgs) {
        boolean transposeA = iArgs.length > 0 && iArgs[0] != 0;
        long k = transposeA ? a[a.length - 2] : a[a.length - 1];
        return 2.0 * size(y) * k;
    }

    /** 2 · |Y| · |W| / O, Y in NCHW. */
    private static double conv(long[] w, long[] y) {
        return 2.0 * size(y) * size(w) / y[1];
    }

    private static double size(long[] s) {
        double n = 1;
        for (long d : s) n *= d;
        return n;
    }

    private static double prefix(long[] s, int drop) {
        double n = 1;
        for (int i = 0; i < s.length - drop; i++) n *= s[i];
        return n;
    }
}
