/*
 * LowRank: a weight update ΔW as a LoRA pair by its truncated SVD — ΔW ≈ U_r·Σ_r·V_rᵀ, the best
 * rank-r approximation in Frobenius norm (Eckart–Young) — with up = U_r·√Σ_r [out, r] and
 * down = √Σ_r·V_rᵀ [r, in] (a conv's ΔW [out, in, kh, kw] as its flattened [out, in·kh·kw]), and the
 * relative error ‖ΔW − up·down‖_F / ‖ΔW‖_F. What the kohya and diffusers LoRA writers store.
 */
package dev.spectune.adapters.io;

import dev.spectune.linalg.Svd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

record LowRank(INDArray up, INDArray down, int rank, double relativeError) {

    static LowRank of(INDArray delta, int rank) {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        long out = delta.size(0), in = delta.length() / out;
        INDArray m = delta.reshape(out, in).castTo(DataType.DOUBLE);                                            // [out, in]
        Svd svd = Svd.of(m);
        int r = (int) Math.min(rank, svd.s().length());
        INDArray root = Transforms.sqrt(svd.s().get(NDArrayIndex.interval(0, r)), true);                      // [r]
        INDArray up = svd.u().get(NDArrayIndex.all(), NDArrayIndex.interval(0, r)).mulRowVector(root);         // [out, r]
        INDArray down = svd.vt().get(NDArrayIndex.interval(0, r), NDArrayIndex.all()).mulColumnVector(root.reshape(r, 1)); // [r, in]
        double norm = m.norm2Number().doubleValue();
        double error = norm == 0 ? 0 : m.sub(up.mmul(down)).norm2Number().doubleValue() / norm;
        return new LowRank(up, down, r, error);
    }

    /** down as stored for a weight of PyTorch shape {@code shape}: [r, in] or, for a conv, [r, in, kh, kw]. */
    INDArray downShaped(long[] shape) {
        return shape.length == 4 ? down.reshape(rank, shape[1], shape[2], shape[3]) : down;
    }

    /** up as stored: [out, r] or, for a conv, [out, r, 1, 1]. */
    INDArray upShaped(long[] shape) {
        return shape.length == 4 ? up.reshape(shape[0], rank, 1, 1) : up;
    }
}
