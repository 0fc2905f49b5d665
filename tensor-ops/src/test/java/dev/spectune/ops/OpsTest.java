/*
 * OpsTest: every op of dev.spectune.ops in float64 against its plain-Java reference
 * (≤ 1e-6 relative to the reference's max-abs) and its backprop against central finite
 * differences for every input, weight and bias.
 */
package dev.spectune.ops;

import static dev.spectune.testing.NdRef.relativeMaxError;
import static dev.spectune.testing.NdRef.toNd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.ops.reference.ReferenceOps;
import dev.spectune.ops.reference.RefTensor;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import dev.spectune.testing.GradCheck;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OpsTest {

    private final Random random = new Random(1234);

    @BeforeAll
    static void float64() {
        Nd4jRuntime.useDefaultDataType(DataType.DOUBLE);
    }

    private RefTensor randn(double scale, int... shape) {
        return RefTensor.randn(random, scale, shape);
    }

    private static void assertForward(String op, INDArray actual, RefTensor expected) {
        double rel = relativeMaxError(actual, expected);
        System.out.printf("forward %-28s rel %.3g%n", op, rel);
        assertThat(rel).as(op + " forward vs reference").isLessThanOrEqualTo(Tolerances.OP_FORWARD_F64_REL);
    }

    private static void assertGradients(String op, SameDiff sd, SDVariable out, String... variables) {
        GradCheck.Worst worst = GradCheck.check(sd, out, List.of(variables), 40, 99);
        System.out.printf("gradient %-27s %s%n", op, worst);
        assertThat(worst.checked()).isPositive();
        assertThat(worst.relativeError()).as(op + " gradient " + worst).isLessThanOrEqualTo(Tolerances.GRADIENT_FD_F64_REL);
    }

    @Test
    void linearRank2() {
        linearCase("linear rank 2", new int[] {5, 7}, 6, true);
    }

    @Test
    void linearRank4WithoutBias() {
        linearCase("linear rank 4 no bias", new int[] {2, 3, 2, 7}, 5, false);
    }

    private void linearCase(String op, int[] xShape, int out, boolean withBias) {
        RefTensor x = randn(1, xShape), w = randn(0.5, out, xShape[xShape.length - 1]), b = randn(0.5, out);
        SameDiff sd = SameDiff.create();
        SDVariable vx = sd.var("x", toNd(x)), vw = sd.var("weight", toNd(w));
        SDVariable vb = withBias ? sd.var("bias", toNd(b)) : null;
        SDVariable y = Linear.apply(sd, vx, vw, vb);
        assertForward(op, y.eval(), ReferenceOps.linear(x, w, withBias ? b : null));
        if (withBias) assertGradients(op, sd, y, "x", "weight", "bias");
        else assertGradients(op, sd, y, "x", "weight");
    }

    @Test
    void conv2dPadded3x3() {
        convCase("conv2d 3x3 pad 1", 2, 3, 5, 5, 4, 3, 1, 1, 1);
    }

    @Test
    void conv2dStride2() {
        convCase("conv2d 3x3 stride 2", 1, 4, 6, 7, 3, 3, 2, 1, 1);
    }

    @Test
    void conv2d1x1() {
        convCase("conv2d 1x1", 2, 3, 4, 4, 5, 1, 1, 0, 1);
    }

    @Test
    void conv2dGroups() {
        convCase("conv2d groups 2", 1, 4, 5, 5, 6, 3, 1, 1, 2);
    }

    private void convCase(String op, int batch, int cin, int h, int w, int cout, int k, int stride, int pad, int groups) {
        RefTensor x = randn(1, batch, cin, h, w), weight = randn(0.3, cout, cin / groups, k, k), bias = randn(0.5, cout);
        SameDiff sd = SameDiff.create();
        SDVariable vx = sd.var("x", toNd(x));
        SDVariable vw = sd.var("weight", Conv2d.oihwToYxio(toNd(weight)));
        SDVariable vb = sd.var("bias", toNd(bias));
        SDVariable y = Conv2d.apply(sd, vx, vw, vb, stride, pad, groups);
        assertForward(op, y.eval(), ReferenceOps.conv2d(x, weight, bias, stride, pad, groups));
        assertGradients(op, sd, y, "x", "weight", "bias");
    }

    @Test
    void convWeightLayoutRoundTrip() {
        INDArray oihw = toNd(randn(1, 4, 3, 3, 2));
        assertThat(Conv2d.yxioToOihw(Conv2d.oihwToYxio(oihw))).isEqualTo(oihw);
        assertThat(Conv2d.oihwToYxio(oihw).shape()).containsExactly(3, 2, 3, 4);
    }

    @Test
    void groupNorm() {
        RefTensor x = randn(2, 2, 6, 3, 4), gamma = randn(0.3, 6), beta = randn(0.3, 6);
        for (int i = 0; i < 6; i++) gamma.data()[i] += 1;
        x.data()[0] += 3;   // a non-zero mean inside one group
        SameDiff sd = SameDiff.create();
        SDVariable vx = sd.var("x", toNd(x)), vg = sd.var("gamma", toNd(gamma)), vb = sd.var("beta", toNd(beta));
        SDVariable y = Norms.groupNorm(sd, vx, 3, 1e-6, vg, vb, 4);
        assertForward("group norm", y.eval(), ReferenceOps.groupNorm(x, 3, 1e-6, gamma, beta));
        assertGradients("group norm", sd, y, "x", "gamma", "beta");
    }

    @Test
    void groupNormLargeEpsilonIsUsed() {
        RefTensor x = randn(0.1, 1, 4, 2, 2);
        SameDiff sd = SameDiff.create();
        SDVariable y = Norms.groupNorm(sd, sd.var("x", toNd(x)), 2, 0.5, null, null, 4);
        assertForward("group norm eps 0.5", y.eval(), ReferenceOps.groupNorm(x, 2, 0.5, null, null));
    }

    @Test
    void layerNorm() {
        RefTensor x = randn(1.5, 2, 3, 8), gamma = randn(0.3, 8), beta = randn(0.3, 8);
        SameDiff sd = SameDiff.create();
        SDVariable vx = sd.var("x", toNd(x)), vg = sd.var("gamma", toNd(gamma)), vb = sd.var("beta", toNd(beta));
        SDVariable y = Norms.layerNorm(sd, vx, 8, 1e-5, vg, vb);
        assertForward("layer norm", y.eval(), ReferenceOps.layerNorm(x, 1e-5, gamma, beta));
        assertGradients("layer norm", sd, y, "x", "gamma", "beta");
    }

    @Test
    void layerNormEpsilonMatters() {
        RefTensor x = randn(0.01, 1, 2, 4);
        SameDiff sd = SameDiff.create();
        SDVariable y = Norms.layerNorm(sd, sd.var("x", toNd(x)), 4, 1e-2, null, null);
        assertForward("layer norm eps 1e-2", y.eval(), ReferenceOps.layerNorm(x, 1e-2, null, null));
    }

    @Test
    void exactGelu() {
        RefTensor x = randn(2, 3, 17);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.gelu(sd, sd.var("x", toNd(x)));
        assertForward("gelu (exact)", y.eval(), ReferenceOps.gelu(x));
        assertGradients("gelu (exact)", sd, y, "x");
    }

    @Test
    void quickGelu() {
        RefTensor x = randn(2, 3, 17);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.quickGelu(sd, sd.var("x", toNd(x)));
        assertForward("quick gelu", y.eval(), ReferenceOps.quickGelu(x));
        assertGradients("quick gelu", sd, y, "x");
    }

    @Test
    void silu() {
        RefTensor x = randn(2, 2, 3, 5);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.silu(sd, sd.var("x", toNd(x)));
        assertForward("silu", y.eval(), ReferenceOps.silu(x));
        assertGradients("silu", sd, y, "x");
    }

    @Test
    void softmax() {
        RefTensor x = randn(3, 2, 3, 6);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.softmax(sd, sd.var("x", toNd(x)), -1);
        assertForward("softmax", y.eval(), ReferenceOps.softmaxLast(x));
        assertGradients("softmax", sd, y, "x");
    }

    @Test
    void geglu() {
        RefTensor x = randn(1, 2, 3, 6), w = randn(0.5, 10, 6), b = randn(0.5, 10);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.geglu(sd, sd.var("x", toNd(x)), sd.var("weight", toNd(w)), sd.var("bias", toNd(b)));
        assertForward("geglu", y.eval(), ReferenceOps.geglu(x, w, b));
        assertGradients("geglu", sd, y, "x", "weight", "bias");
    }

    @Test
    void selfAttention() {
        RefTensor q = randn(1, 2, 5, 8), k = randn(1, 2, 5, 8), v = randn(1, 2, 5, 8);
        attentionCase("self-attention", q, k, v, 2, false);
    }

    @Test
    void crossAttention() {
        RefTensor q = randn(1, 2, 6, 8), k = randn(1, 2, 3, 8), v = randn(1, 2, 3, 8);
        attentionCase("cross-attention", q, k, v, 4, false);
    }

    @Test
    void causalSelfAttention() {
        RefTensor q = randn(1, 2, 5, 6), k = randn(1, 2, 5, 6), v = randn(1, 2, 5, 6);
        attentionCase("causal self-attention", q, k, v, 3, true);
    }

    private void attentionCase(String op, RefTensor q, RefTensor k, RefTensor v, int heads, boolean causal) {
        SameDiff sd = SameDiff.create();
        SDVariable vq = sd.var("q", toNd(q)), vk = sd.var("k", toNd(k)), vv = sd.var("v", toNd(v));
        SDVariable mask = causal ? Attention.causalMask(sd, "causal_mask", q.dim(1), DataType.DOUBLE) : null;
        SDVariable y = Attention.scaledDotProduct(sd, vq, vk, vv, heads, q.dim(2), mask);
        assertForward(op, y.eval(), ReferenceOps.attention(q, k, v, heads, causal));
        assertGradients(op, sd, y, "q", "k", "v");
    }

    @Test
    void upsampleNearest2x() {
        RefTensor x = randn(1, 2, 3, 3, 4);
        SameDiff sd = SameDiff.create();
        SDVariable y = Upsample.nearest2x(sd, sd.var("x", toNd(x)));
        assertForward("upsample nearest 2x", y.eval(), ReferenceOps.upsampleNearest2x(x));
        assertGradients("upsample nearest 2x", sd, y, "x");
    }

    @Test
    void resizeNearestToAnySize() {
        RefTensor x = randn(1, 2, 3, 2, 3);
        int[][] sizes = {{3, 5}, {4, 6}, {2, 3}, {5, 4}};
        for (int[] size : sizes) {
            SameDiff sd = SameDiff.create();
            SDVariable y = Upsample.nearest(sd, sd.var("x", toNd(x)), 2, 3, size[0], size[1], DataType.DOUBLE);
            String op = "nearest resize 2x3 -> " + size[0] + "x" + size[1];
            assertForward(op, y.eval(), ReferenceOps.resizeNearest(x, size[0], size[1]));
            if (size[0] == 3) assertGradients(op, sd, y, "x");
        }
    }

    @Test
    void timestepEmbeddingAllVariants() {
        double[] t = {0, 1, 10, 250.5, 999};
        int[][] dims = {{32}, {33}};
        for (int[] dim : dims) {
            for (boolean flip : new boolean[] {true, false}) {
                for (double shift : new double[] {0, 1}) {
                    SameDiff sd = SameDiff.create();
                    SDVariable vt = sd.var("t", Nd4j.createFromArray(t));
                    SDVariable y = TimestepEmbedding.sinusoidalExact(sd, vt, dim[0], flip, shift, 1.0,
                            TimestepEmbedding.MAX_PERIOD, DataType.DOUBLE);
                    assertForward("timestep emb d" + dim[0] + " flip " + flip + " shift " + shift, y.eval(),
                            ReferenceOps.timestepEmbedding(t, dim[0], flip, shift, 1.0, TimestepEmbedding.MAX_PERIOD));
                    SDVariable like = TimestepEmbedding.sinusoidal(sd, vt, dim[0], flip, shift, 1.0,
                            TimestepEmbedding.MAX_PERIOD, DataType.DOUBLE);
                    // diffusers' float32 arithmetic: libnd4j's float sin/cos may differ from the correctly rounded ones by an ulp
                    double rel = relativeMaxError(like.eval(), ReferenceOps.timestepEmbeddingFloat32(t, dim[0], flip, shift, 1.0, TimestepEmbedding.MAX_PERIOD));
                    assertThat(rel).as("float32 timestep embedding").isLessThanOrEqualTo(Tolerances.OP_GOLDEN_F32_ABS);
                }
            }
        }
    }

    @Test
    void timestepEmbeddingGradient() {
        SameDiff sd = SameDiff.create();
        sd.var("t", Nd4j.createFromArray(3.0, 17.5));
        SDVariable y = TimestepEmbedding.sinusoidalExact(sd, sd.getVariable("t"), 8, true, 1, 1.0, 100, DataType.DOUBLE);
        assertGradients("timestep embedding", sd, y, "t");
    }

    @Test
    void concatChannels() {
        RefTensor a = randn(1, 2, 3, 2, 2), b = randn(1, 2, 1, 2, 2);
        SameDiff sd = SameDiff.create();
        SDVariable y = Channels.concat(sd, sd.var("a", toNd(a)), sd.var("b", toNd(b)));
        assertForward("concat channels", y.eval(), ReferenceOps.concatChannels(a, b));
        assertGradients("concat channels", sd, y, "a", "b");
    }

    @Test
    void relu() {
        RefTensor x = randn(1, 3, 11);
        for (int i = 0; i < x.size(); i++) if (Math.abs(x.data()[i]) < 1e-3) x.data()[i] = 0.5;   // keep FD off the kink
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.relu(sd, sd.var("x", toNd(x)));
        assertForward("relu", y.eval(), ReferenceOps.relu(x));
        assertGradients("relu", sd, y, "x");
    }

    @Test
    void softClamp() {
        RefTensor x = randn(4, 2, 9);
        SameDiff sd = SameDiff.create();
        SDVariable y = Activations.softClamp(sd, sd.var("x", toNd(x)), 3.0);
        assertForward("tanh clamp", y.eval(), ReferenceOps.softClamp(x, 3.0));
        assertGradients("tanh clamp", sd, y, "x");
    }

    @Test
    void zeroPadAsymmetric() {
        RefTensor x = randn(1, 2, 3, 4, 5);
        SameDiff sd = SameDiff.create();
        SDVariable y = Padding.zeroPad2d(sd, sd.var("x", toNd(x)), 0, 1, 0, 1);
        assertForward("zero pad (0,1,0,1)", y.eval(), ReferenceOps.zeroPad2d(x, 0, 1, 0, 1));
        assertGradients("zero pad (0,1,0,1)", sd, y, "x");
        SameDiff sd2 = SameDiff.create();
        SDVariable y2 = Padding.zeroPad2d(sd2, sd2.var("x", toNd(x)), 2, 1, 3, 0);
        assertForward("zero pad (2,1,3,0)", y2.eval(), ReferenceOps.zeroPad2d(x, 2, 1, 3, 0));
    }

    @Test
    void embeddingLookup() {
        RefTensor table = randn(1, 7, 4);
        int[][] ids = {{0, 3, 3, 6}, {5, 1, 0, 2}};
        SameDiff sd = SameDiff.create();
        SDVariable vt = sd.var("table", toNd(table));
        SDVariable vids = sd.constant("ids", Nd4j.createFromArray(ids));
        SDVariable y = Embedding.lookup(sd, vt, vids, 4);
        assertForward("embedding", y.eval(), ReferenceOps.embedding(table, ids));
        assertGradients("embedding (repeated ids)", sd, y, "table");
        SameDiff frozen = SameDiff.create();
        SDVariable constantTable = frozen.constant("table", toNd(table));
        assertForward("embedding (constant table)", Embedding.lookup(frozen, constantTable,
                frozen.constant("ids", Nd4j.createFromArray(ids)), 4).eval(), ReferenceOps.embedding(table, ids));
    }

    @Test
    void dropoutIsIdentityAtEvalAndInvertedInTraining() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.ones(DataType.DOUBLE, 200, 100));
        assertThat(Dropout.apply(sd, x, 0.3, false)).isSameAs(x);
        INDArray y = Dropout.apply(sd, x, 0.3, true).eval();
        double kept = y.gt(0).castTo(DataType.DOUBLE).meanNumber().doubleValue();
        assertThat(kept).isBetween(0.67, 0.73);
        assertThat(y.maxNumber().doubleValue()).isCloseTo(1 / 0.7, org.assertj.core.data.Offset.offset(Tolerances.IDENTITY_F64));
        assertThat(y.meanNumber().doubleValue()).isBetween(0.95, 1.05);
    }
}
