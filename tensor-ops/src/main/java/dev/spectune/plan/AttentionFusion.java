/*
 * AttentionFusion: the plan rewrite that bounds attention's memory in inference, the way
 * diffusers' sliced attention (AttnProcessor with set_attention_slice) and memory-efficient SDPA
 * do: scaled-dot-product attention as tensor-ops' Attention builds it,
 *
 *   S = Q·Kᵀ [BH, Tq, Tk],  S' = c·S,  P = softmax(S', last axis),  O = P·V [BH, Tq, d],
 *
 * is run as one op over blocks of query rows, so only one block of scores [BH, rows, Tk] exists at
 * a time (at 512 px the tiny golden UNet's 65,536-token self-attention would need 2·8·65,536²
 * floats = 256 GiB at once). It fires only where S, S' and P have no reader but the chain itself —
 * in a gradient plan the backward reads P, and the chain is left as it is. A block is as many rows
 * as fit BLOCK_BYTES; a map that fits whole is one block, computed by the same ops as before
 * (bit-identical).
 */
package dev.spectune.plan;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

final class AttentionFusion {
    private AttentionFusion() {}

    /** The most bytes one block of scores may take. */
    static final long BLOCK_BYTES = 64L << 20;

    /** Fuses every matching chain; returns the ops left (the fused S, S', P ops removed). */
    static List<PlanOp> fuse(List<PlanOp> ops, int[] readers) {
        java.util.Map<Integer, Integer> producer = new java.util.HashMap<>();
        for (int i = 0; i < ops.size(); i++) for (int o : ops.get(i).outputs()) producer.put(o, i);
        boolean[] removed = new boolean[ops.size()];
        for (PlanOp out : ops) {
            if (!(out.function() instanceof Mmul mmOut) || out.inputs().length != 2 || transposes(mmOut) != 0) continue;
            int soft = at(ops, producer, out.inputs()[0], readers);
            if (soft < 0 || !(ops.get(soft).function() instanceof SoftMax sm) || ops.get(soft).inputs().length != 1 || !lastAxis(sm)) continue;
            int scale = at(ops, producer, ops.get(soft).inputs()[0], readers);
            if (scale < 0 || !(ops.get(scale).function() instanceof ScalarOp so) || !so.opName().equals("mul_scalar") || ops.get(scale).inputs().length != 1) continue;
            int scores = at(ops, producer, ops.get(scale).inputs()[0], readers);
            if (scores < 0 || !(ops.get(scores).function() instanceof Mmul mmS) || ops.get(scores).inputs().length != 2 || transposes(mmS) != 0b010) continue;
            int[] qk = ops.get(scores).inputs();
            out.fuse(new ChunkedAttention(qk[0], qk[1], out.inputs()[1], so.scalar().getDouble(0), BLOCK_BYTES));
            removed[scores] = removed[scale] = removed[soft] = true;
        }
        List<PlanOp> kept = new java.util.ArrayList<>();
        for (int i = 0; i < ops.size(); i++) if (!removed[i]) kept.add(ops.get(i));
        return kept;
    }

    /** The index of the op producing {@code slot} when the slot has exactly one reader and the op one output, else −1. */
    private static int at(List<PlanOp> ops, java.util.Map<Integer, Integer> producer, int slot, int[] readers) {
        Integer i = producer.get(slot);
        return i == null || readers[slot] != 1 || ops.get(i).outputs().length != 1 ? -1 : i;
    }

    /** Transpose flags as bits: 4 = x, 2 = y, 1 = result. */
    private static int transposes(Mmul mm) {
        long[] t = mm.iArgs();
        int bits = 0;
        for (int i = 0; i < Math.min(3, t.length); i++) if (t[i] != 0) bits |= 4 >> i;
        return bits;
    }

    private static boolean lastAxis(SoftMax sm) {
        long[] a = sm.iArgs();
        return a.length == 0 || a[0] == -1 || a[0] == 2;                 // the rank-3 scores' last axis
    }

    /** Attention over blocks of query rows: Q [BH, Tq, d], K [BH, Tk, d], V [BH, Tk, dv] → O [BH, Tq, dv]. */
    static final class ChunkedAttention implements PlanOp.Specialization {
        private final int q, k, v;
        private final double scale;
        private final long blockBytes;

        ChunkedAttention(int q, int k, int v, double scale, long blockBytes) {
            this.q = q;
            this.k = k;
            this.v = v;
            this.scale = scale;
            this.blockBytes = blockBytes;
        }

        @Override
        public int[] inputs() {
            return new int[] {q, k, v};
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            INDArray qs = values[q], ks = values[k], vs = values[v];
            long bh = qs.size(0), tq = qs.size(1), tk = ks.size(1), dv = vs.size(2);
            long rows = Math.max(1, Math.min(tq, blockBytes / (bh * tk * qs.dataType().width())));
            INDArray o = pool.take(LongShapeDescriptor.fromShape(new long[] {bh, tq, dv}, vs.dataType()));        // [BH, Tq, dv]
            for (long r0 = 0; r0 < tq; r0 += rows) {
                long n = Math.min(rows, tq - r0);
                INDArray qBlock = qs;                                                                             // [BH, n, d]
                if (n < tq) {
                    qBlock = pool.take(LongShapeDescriptor.fromShape(new long[] {bh, n, qs.size(2)}, qs.dataType()));
                    qBlock.assign(qs.get(NDArrayIndex.all(), NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()));
                }
                INDArray s = pool.take(LongShapeDescriptor.fromShape(new long[] {bh, n, tk}, qs.dataType()));      // [BH, n, Tk]
                matmul(qBlock, ks, s, 1);                                                                         // Q·Kᵀ
                INDArray p = pool.take(LongShapeDescriptor.fromShape(new long[] {bh, n, tk}, qs.dataType()));      // [BH, n, Tk]
                Nd4j.getExecutioner().exec(new ScalarMultiplication(s, null, p, scale));                         // c·S
                Nd4j.getExecutioner().exec(DynamicCustomOp.builder("softmax").addInputs(p).addOutputs(s).addIntegerArguments(2).build()); // P
                if (n == tq) {
                    matmul(s, vs, o, 0);                                                                          // P·V
                } else {
                    INDArray block = pool.take(LongShapeDescriptor.fromShape(new long[] {bh, n, dv}, vs.dataType())); // [BH, n, dv]
                    matmul(s, vs, block, 0);
                    o.get(NDArrayIndex.all(), NDArrayIndex.interval(r0, r0 + n), NDArrayIndex.all()).assign(block);
                    pool.release(block);
                }
                pool.release(s);
                pool.release(p);
                if (qBlock != qs) pool.release(qBlock);
            }
            values[outputs[0]] = o;
        }

        private static void matmul(INDArray a, INDArray b, INDArray into, int transposeB) {
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("matmul").addInputs(a, b).addOutputs(into)
                    .addIntegerArguments(0, transposeB, 0).build());
        }
    }
}
