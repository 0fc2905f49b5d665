/*
 * FrozenWeightGradients: the plan rewrite that makes frozen weights free in backward.
 *
 * SameDiff's conv2d_bp and matmul_bp compute the gradient of every input, wanted or not: with a
 * frozen base model that is a weight-sized dW per layer, computed (as many FLOPs as the forward op)
 * and allocated every step, then dropped. When a plan sees that nothing reads such an output, the
 * op is replaced by one computing only what is read (the way torch's autograd skips
 * needs_input_grad = False inputs):
 *   conv2d_bp(x, W, [b,] dY) -> dX only:  deconv2d_tf(shape(x), W, dY), the transposed convolution
 *                                         with the forward's kernel, padding and layout (libnd4j's
 *                                         Conv2DBackpropInput). Under stride > 1 its shape check
 *                                         wants x = (oH−1)·s + k − 2p, which a strided conv's x
 *                                         need not be (SD's 8 → 4 downsampler: 7); there the
 *                                         transposed convolution runs unpadded onto the padded
 *                                         extent (oH−1)·s + k and dX is its window [p, p + H)
 *                                         (rows beyond the extent, never read, get 0);
 *   matmul_bp(A, B, dY) for Y = op(A)·op(B), op = optional transpose of the last two axes:
 *       dA only: op(A) = A:  dA = dY·op(B)ᵀ      op(A) = Aᵀ:  dA = op(B)·dYᵀ
 *       dB only: op(B) = B:  dB = op(A)ᵀ·dY      op(B) = Bᵀ:  dB = dYᵀ·op(A)
 *   multiply_bp(x, y, dZ) -> one factor's gradient (the other frozen): dZ ⊙ (other factor), summed
 *                            over the axes the wanted factor was broadcast along.
 * The replacement no longer reads the activation x (conv) or the frozen operand, so liveness
 * frees it after the forward pass. Results equal the original op's (tests: PlanTest).
 */
package dev.spectune.plan;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

final class FrozenWeightGradients {
    private FrozenWeightGradients() {}

    /** Installs input-gradient-only forms on the backward ops whose weight gradient nobody reads. */
    static void rewrite(List<PlanOp> ops, int[] readers) {
        for (PlanOp op : ops) {
            int[] out = op.outputs();
            if (op.function() instanceof Conv2DDerivative conv) {
                boolean weightUnread = readers[out[1]] == 0 && (out.length < 3 || readers[out[2]] == 0);
                long[] a = conv.iArgs();                                        // kH, kW, sH, sW, pH, pW, dH, dW, same, NHWC, weight format
                boolean unitStride = a[2] == 1 && a[3] == 1;
                boolean explicitNchw = a[6] == 1 && a[7] == 1 && a[8] == 0 && a[9] == 0;   // undilated, explicit padding, NCHW
                if (weightUnread && (unitStride || explicitNchw) && readers[out[0]] > 0) op.fuse(new ConvInputGradient(conv, op.inputs()));
            } else if (op.function() instanceof MulBpOp && out.length == 2 && op.inputs().length == 3) {
                boolean xRead = readers[out[0]] > 0, yRead = readers[out[1]] > 0;
                if (xRead != yRead) op.specialize(new ProductOneGradient(op.inputs(), xRead));
            } else if (op.function() instanceof MmulBp mm && out.length == 2 && op.inputs().length == 3) {
                boolean aRead = readers[out[0]] > 0, bRead = readers[out[1]] > 0;
                if (aRead != bRead) op.fuse(new MatmulOneGradient(mm, op.inputs(), aRead));
            }
        }
    }

    /** dX of a convolution from W and dY alone. */
    private static final class ConvInputGradient implements PlanOp.Specialization {
        private final long[] iArgs;
        private final int w, dy;
        private INDArray inputShape;                  // [4] int64: the shape deconv2d_tf produces, fixed on the first call
        private long[] padded;                        // under stride > 1: the unpadded transposed conv's [B, C, (oH−1)s+k, (oW−1)s+k]
        private long[] deconvArgs;                    // the forward's iArgs, with padding 0 under stride > 1
        private LongShapeDescriptor shape;

        ConvInputGradient(Conv2DDerivative conv, int[] inputs) {
            this.iArgs = conv.iArgs().clone();
            this.w = inputs[1];
            this.dy = inputs[inputs.length - 1];
        }

        @Override
        public int[] inputs() {
            return new int[] {w, dy};
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            if (inputShape == null) {
                long[] x = shapes[originalInputs[0]].clone();                            // [B, C, H, W], recorded when x was computed (x itself is not read)
                shape = LongShapeDescriptor.fromShape(x, values[dy].dataType());
                deconvArgs = iArgs;
                if (iArgs[2] == 1 && iArgs[3] == 1) {
                    inputShape = Nd4j.createFromArray(x);
                } else {
                    long[] dyShape = values[dy].shape();                              // [B, O, oH, oW]
                    padded = new long[] {x[0], x[1], (dyShape[2] - 1) * iArgs[2] + iArgs[0], (dyShape[3] - 1) * iArgs[3] + iArgs[1]};
                    inputShape = Nd4j.createFromArray(padded);
                    deconvArgs = iArgs.clone();
                    deconvArgs[4] = 0;
                    deconvArgs[5] = 0;
                }
            }
            INDArray dx = pool.take(shape);                                              // [B, C, H, W]
            if (padded == null) {
                deconvolve(values, dx);
            } else {
                INDArray full = pool.take(LongShapeDescriptor.fromShape(padded.clone(), dx.dataType()));   // [B, C, (oH−1)s+k, (oW−1)s+k]
                deconvolve(values, full);
                long h = Math.min(dx.size(2), padded[2] - iArgs[4]), w = Math.min(dx.size(3), padded[3] - iArgs[5]);
                if (h < dx.size(2) || w < dx.size(3)) dx.assign(0);
                dx.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, h), NDArrayIndex.interval(0, w))
                        .assign(full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(iArgs[4], iArgs[4] + h),
                                NDArrayIndex.interval(iArgs[5], iArgs[5] + w)));
                pool.release(full);
            }
            values[outputs[0]] = dx;
        }

        private void deconvolve(INDArray[] values, INDArray into) {
            DynamicCustomOp op = DynamicCustomOp.builder("deconv2d_tf").addInputs(inputShape, values[w], values[dy]).addOutputs(into).build();
            op.addIArgument(deconvArgs);
            PlanOp.exec(op, Kernels.useOneDnn(values[w].length()));
        }
    }

    /**
     * One factor's gradient of an elementwise product z = x ⊙ y with broadcasting (a norm's frozen
     * scale, SODA's U·diag(σ + δ)): d = dz ⊙ (the other factor), summed over the axes along which
     * the wanted factor was broadcast — without computing the frozen factor's gradient.
     */
    private static final class ProductOneGradient implements PlanOp.Specialization {
        private final int x, y, dz;
        private final boolean wantX;
        private long[] sumAxes;                      // axes of dz the wanted factor was broadcast along (empty: none)
        private long[] wantedShape;                  // the wanted factor's shape

        ProductOneGradient(int[] inputs, boolean wantX) {
            this.x = inputs[0];
            this.y = inputs[1];
            this.dz = inputs[2];
            this.wantX = wantX;
        }

        @Override
        public int[] inputs() {
            return wantX ? new int[] {y, dz} : new int[] {x, dz};
        }

        @Override
        public boolean applies(INDArray[] values) {
            INDArray wanted = values[wantX ? x : y], grad = values[dz];
            if (wanted.dataType() != grad.dataType() || values[wantX ? y : x].dataType() != grad.dataType()) return false;
            long[] w = wanted.shape().clone(), g = grad.shape().clone();
            if (w.length > g.length) return false;
            java.util.List<Long> axes = new java.util.ArrayList<>();
            for (int i = 0; i < g.length; i++) {
                int j = i - (g.length - w.length);
                long wi = j < 0 ? 1 : w[j];
                if (wi == g[i]) continue;
                if (wi != 1) return false;
                axes.add((long) i);
            }
            sumAxes = axes.stream().mapToLong(Long::longValue).toArray();
            wantedShape = w;
            return true;
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            INDArray grad = values[dz], other = values[wantX ? y : x];
            INDArray product = pool.take(LongShapeDescriptor.fromShape(grad.shape().clone(), grad.dataType()));   // dz ⊙ other, dz's shape
            Nd4j.getExecutioner().exec(DynamicCustomOp.builder("multiply").addInputs(grad, other).addOutputs(product).build());
            INDArray d = product;
            if (sumAxes.length > 0) {
                long[] kept = grad.shape().clone();                             // shape() may be the array's own
                for (long a : sumAxes) kept[(int) a] = 1;
                INDArray sum = pool.take(LongShapeDescriptor.fromShape(kept, grad.dataType()));                // [.., 1, ..]
                DynamicCustomOp reduce = DynamicCustomOp.builder("reduce_sum").addInputs(product).addOutputs(sum).build();
                reduce.addIArgument(sumAxes);
                reduce.addBArgument(true);
                Nd4j.getExecutioner().exec(reduce);
                pool.release(product);
                d = pool.reshape(sum, wantedShape);                                                               // a view, same buffer
            }
            values[outputs[wantX ? 0 : 1]] = d;
        }
    }

    /** One operand's gradient of a (batched) matmul, as one matmul. */
    private static final class MatmulOneGradient implements PlanOp.Specialization {
        private final boolean transposeA, transposeB, wantA;
        private final int a, b, dy;
        private LongShapeDescriptor shape;

        MatmulOneGradient(MmulBp mm, int[] inputs, boolean wantA) {
            long[] t = mm.iArgs();
            if (t.length >= 3 && t[2] != 0) throw new IllegalStateException("plan: matmul_bp with a transposed result is not rewritten");
            this.transposeA = t.length > 0 && t[0] != 0;
            this.transposeB = t.length > 1 && t[1] != 0;
            this.a = inputs[0];
            this.b = inputs[1];
            this.dy = inputs[2];
            this.wantA = wantA;
        }

        @Override
        public int[] inputs() {
            return wantA ? new int[] {b, dy} : new int[] {a, dy};
        }

        @Override
        public void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool) {
            INDArray x, y;
            boolean tx, ty;
            if (wantA) {
                if (!transposeA) { x = values[dy]; y = values[b]; tx = false; ty = !transposeB; }
                else { x = values[b]; y = values[dy]; tx = transposeB; ty = true; }
            } else {
                if (!transposeB) { x = values[a]; y = values[dy]; tx = !transposeA; ty = false; }
                else { x = values[dy]; y = values[a]; tx = true; ty = transposeA; }
            }
            DynamicCustomOp op = DynamicCustomOp.builder("matmul").addInputs(x, y).build();
            op.addIArgument(tx ? 1 : 0, ty ? 1 : 0, 0);
            if (shape == null) shape = op.calculateOutputShape().get(0);
            INDArray z = pool.take(shape);
            op.addOutputArgument(z);
            Nd4j.getExecutioner().exec(op);
            values[outputs[wantA ? 0 : 1]] = z;
        }
    }
}
