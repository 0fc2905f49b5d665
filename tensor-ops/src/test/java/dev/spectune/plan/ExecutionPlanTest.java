/*
 * ExecutionPlanTest: the plan against SameDiff's own session on a small network of the UNet's ops
 * (convolutions with stride 1 and 2, group norm, SiLU, a linear layer, attention) in float64:
 * outputs and gradients within PLAN_VS_SAMEDIFF_F64_REL, with frozen weights (rewrites active) and
 * with every weight trained (no rewrite); no allocation after the first run; shape folding; a
 * changed input shape refused by name.
 */
package dev.spectune.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import dev.spectune.ops.Shapes;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExecutionPlanTest {

    private static final DataType F64 = DataType.DOUBLE;

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    /** A small conv/attention block; weights are variables when {@code trainAll}, else constants except the adapter-like ones. */
    private record Net(SameDiff sd, List<String> trained, Map<String, INDArray> feed, String loss, String out) {}

    private static Net net(boolean trainAll) {
        Nd4j.getRandom().setSeed(7);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", F64, 2, 4, 6, 6);                                      // [B, C, H, W]
        SDVariable ctx = sd.placeHolder("ctx", F64, 2, 3, 5);                                     // [B, T, D]
        List<String> trained = new ArrayList<>();
        java.util.function.BiFunction<String, long[], SDVariable> weight = (name, shape) -> {
            INDArray v = Nd4j.randn(F64, shape).muli(0.3);
            if (trainAll) {
                trained.add(name);
                return sd.var(name, v);
            }
            return sd.constant(name, v);
        };
        SDVariable gain = sd.var("input.gain", Nd4j.rand(F64, 1, 4, 1, 1).addi(0.5));                          // [1, C, 1, 1]: the gradient reaches the convs
        trained.add("input.gain");
        SDVariable h = Conv2d.apply(sd, x.mul(gain), weight.apply("conv1.w", new long[] {3, 3, 4, 8}), weight.apply("conv1.b", new long[] {8}), 1, 1, 1); // [B, 8, 6, 6]
        h = Norms.groupNorm(sd, h, 2, 1e-5, weight.apply("norm.g", new long[] {8}), weight.apply("norm.b", new long[] {8}), 4);
        h = Activations.silu(sd, h);
        h = Conv2d.apply(sd, h, weight.apply("down.w", new long[] {3, 3, 8, 8}), null, 2, 1, 1);                 // [B, 8, 3, 3]
        SDVariable tokens = sd.permute(Shapes.reshape(sd, h, Shapes.dims(sd, h, 0, 2), Shapes.fixed(sd, -1)), 0, 2, 1); // [B, 9, 8]
        SDVariable adapterA = sd.var("adapter.A", Nd4j.randn(F64, 2, 8).muli(0.3));                           // [r, in]
        SDVariable adapterB = sd.var("adapter.B", Nd4j.randn(F64, 8, 2).muli(0.3));                           // [out, r]
        trained.add("adapter.A");
        trained.add("adapter.B");
        SDVariable wq = weight.apply("q.w", new long[] {8, 8}).add(sd.mmul(adapterB, adapterA));               // [8, 8] = W0 + B·A
        SDVariable q = Linear.apply(sd, tokens, wq, null, 8, 8);                                                // [B, 9, 8]
        SDVariable k = Linear.apply(sd, ctx, weight.apply("k.w", new long[] {8, 5}), null);                    // [B, 3, 8]
        SDVariable v = Linear.apply(sd, ctx, weight.apply("v.w", new long[] {8, 5}), null);                    // [B, 3, 8]
        SDVariable a = Attention.scaledDotProduct(sd, q, k, v, 2, 8, null);                                     // [B, 9, 8]
        SDVariable y = Linear.apply(sd, a, weight.apply("o.w", new long[] {4, 8}), weight.apply("o.b", new long[] {4})).rename("y"); // [B, 9, 4]
        SDVariable loss = y.mul(y).mean().rename("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> feed = Map.of("x", Nd4j.randn(F64, 2, 4, 6, 6), "ctx", Nd4j.randn(F64, 2, 3, 5));
        return new Net(sd, trained, feed, loss.name(), y.name());
    }

    private static double rel(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / Math.max(1e-300, expected.norm2Number().doubleValue());
    }

    private static void assertMatchesSameDiff(boolean trainAll) {
        Net n = net(trainAll);
        var reference = n.sd().calculateGradientsAndOutputs(n.feed(), List.of(n.loss(), n.out()), n.trained());
        GradientPlan plan = new GradientPlan(n.sd(), List.of(n.loss(), n.out()), n.trained());
        for (int run = 0; run < 3; run++) {
            GradientPlan.Result r = plan.run(n.feed());
            assertThat(rel(reference.getOutputs().get(n.out()), r.outputs().get(n.out()))).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
            for (String p : n.trained()) {
                INDArray expected = reference.getGradients().get(p);
                assertThat(expected.norm2Number().doubleValue()).as(p).isGreaterThan(0);
                assertThat(rel(expected, r.gradients().get(p))).as("gradient of " + p + ", run " + run)
                        .isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
            }
        }
    }

    @Test
    void frozenWeightsMatchSameDiffWithTheInputGradientRewrites() {
        assertMatchesSameDiff(false);
        Net n = net(false);
        GradientPlan plan = new GradientPlan(n.sd(), List.of(n.loss()), n.trained());
        plan.run(n.feed());
        String ops = plan.plan().describe();
        assertThat(ops).contains("conv2d_bp*", "matmul_bp*", "multiply_bp*"); // the convs, the frozen linears and norm scales: input gradient only
        assertThat(ops.lines().filter(l -> l.contains(" conv2d_bp [")).count()).as("no conv computes its frozen weight's gradient").isZero();
    }

    /** Strided convs whose x is not the transposed conv's natural size: even, odd, and with rows no output reads (k 3, s 2, p 0 on 8). */
    @Test
    void stridedConvInputGradientMatchesSameDiffForEverySizeAndPadding() {
        long[][] cases = {{6, 3, 2, 1}, {7, 3, 2, 1}, {8, 3, 2, 0}, {9, 3, 3, 1}, {8, 1, 2, 0}};   // H = W, k, s, p
        for (long[] c : cases) {
            Nd4j.getRandom().setSeed(11);
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", F64, 2, 3, c[0], c[0]);                                           // [B, C, H, W]
            SDVariable gain = sd.var("gain", Nd4j.rand(F64, 1, 3, 1, 1).addi(0.5));                            // [1, C, 1, 1]
            SDVariable y = Conv2d.apply(sd, x.mul(gain), sd.constant("w", Nd4j.randn(F64, c[1], c[1], 3, 4)), null,
                    (int) c[2], (int) c[3], 1);                                                                  // [B, 4, oH, oW]
            SDVariable loss = y.mul(y).mean().rename("loss");
            sd.setLossVariables(loss);
            Map<String, INDArray> feed = Map.of("x", Nd4j.randn(F64, 2, 3, c[0], c[0]));
            INDArray expected = sd.calculateGradients(feed, List.of("gain")).get("gain");
            GradientPlan plan = new GradientPlan(sd, List.of(loss.name()), List.of("gain"));
            INDArray actual = plan.run(feed).gradients().get("gain");
            assertThat(plan.plan().describe()).as(java.util.Arrays.toString(c)).contains("conv2d_bp*");
            assertThat(rel(expected, actual)).as("gain gradient through conv " + java.util.Arrays.toString(c))
                    .isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
        }
    }

    @Test
    void everyWeightTrainedMatchesSameDiffWithoutRewrites() {
        assertMatchesSameDiff(true);
        Net n = net(true);
        GradientPlan plan = new GradientPlan(n.sd(), List.of(n.loss()), n.trained());
        plan.run(n.feed());
        assertThat(plan.plan().describe()).doesNotContain("conv2d_bp*");   // a placeholder operand's matmul gradient may still be skipped
    }

    @Test
    void afterTheFirstRunNothingIsAllocatedAndShapeArithmeticIsFolded() {
        Net n = net(false);
        GradientPlan plan = new GradientPlan(n.sd(), List.of(n.loss()), n.trained());
        plan.run(n.feed());
        long afterFirst = plan.plan().pooledBytes();
        plan.run(n.feed());
        plan.run(n.feed());
        assertThat(plan.plan().pooledBytes()).isEqualTo(afterFirst).isPositive();
        assertThat(plan.plan().opsPerRun()).isLessThan(plan.plan().totalOps());
        assertThat(plan.plan().describe().lines().map(l -> l.split(" ")[1])).doesNotContain("shape_of", "strided_slice");
    }

    /** Buffers released between phases are allocated again by the next run, which computes the same values. */
    @Test
    void releasedBuffersAreAllocatedAgainWithTheSameResults() {
        Net n = net(false);
        GradientPlan plan = new GradientPlan(n.sd(), List.of(n.loss(), n.out()), n.trained());
        plan.run(n.feed());
        GradientPlan.Result before = plan.run(n.feed());
        long pooled = plan.plan().pooledBytes();
        plan.plan().releaseBuffers();
        assertThat(plan.plan().pooledBytes()).isZero();
        GradientPlan.Result after = plan.run(n.feed());
        assertThat(plan.plan().pooledBytes()).isPositive().isLessThanOrEqualTo(pooled);
        assertThat(after.outputs().get(n.out())).isEqualTo(before.outputs().get(n.out()));
        for (String p : n.trained()) assertThat(after.gradients().get(p)).as(p).isEqualTo(before.gradients().get(p));
    }

    @Test
    void parametersUpdatedInPlaceAreSeenByTheNextRun() {
        Net n = net(false);
        ExecutionPlan forward = new ExecutionPlan(n.sd(), n.sd(), List.of(n.loss()));
        double before = forward.run(n.feed()).get(n.loss()).getDouble(0);
        n.sd().getArrForVarName("adapter.B").muli(2);
        double after = forward.run(n.feed()).get(n.loss()).getDouble(0);
        double expected = n.sd().output(n.feed(), n.loss()).get(n.loss()).getDouble(0);
        assertThat(after).isNotEqualTo(before).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12 * Math.abs(expected)));
    }

    @Test
    void aChangedInputShapeIsRefusedByName() {
        Net n = net(false);
        ExecutionPlan forward = new ExecutionPlan(n.sd(), n.sd(), List.of(n.out()));
        forward.run(n.feed());
        assertThatThrownBy(() -> forward.run(Map.of("x", Nd4j.randn(F64, 1, 4, 6, 6), "ctx", Nd4j.randn(F64, 1, 3, 5))))
                .hasMessageContaining("placeholder 'x'").hasMessageContaining("[1, 4, 6, 6]");
    }
}
