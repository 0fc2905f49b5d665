/*
 * RematerializationTest: gradient checkpointing in the plan (torch.utils.checkpoint semantics) on
 * a stack of residual conv blocks and an attention block in float64 — outputs and gradients equal
 * the plan that keeps every activation (≤ PLAN_VS_SAMEDIFF_F64_REL, and SameDiff's own session),
 * run after run; the blocks' ops run twice; the buffers backward holds at once are fewer; frozen
 * and trained weights alike.
 */
package dev.spectune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.ops.Activations;
import dev.spectune.ops.Attention;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.ops.Norms;
import dev.spectune.ops.Shapes;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RematerializationTest {

    private static final DataType F64 = DataType.DOUBLE;

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private record Net(SameDiff sd, List<String> trained, Set<String> checkpoints, Map<String, INDArray> feed, String loss, String out) {}

    /** Four residual blocks (norm, SiLU, conv, scaled by a trained gain) then self-attention over the pixels; block outputs are the checkpoints. */
    private static Net net(boolean trainAll) {
        Nd4j.getRandom().setSeed(11);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", F64, 2, 8, 12, 12);                                       // [B, C, H, W]
        List<String> trained = new ArrayList<>();
        Set<String> checkpoints = new LinkedHashSet<>();
        java.util.function.BiFunction<String, long[], SDVariable> weight = (name, shape) -> {
            INDArray v = Nd4j.randn(F64, shape).muli(0.2);
            if (!trainAll) return sd.constant(name, v);
            trained.add(name);
            return sd.var(name, v);
        };
        SDVariable h = x;
        for (int b = 0; b < 4; b++) {
            SDVariable gain = sd.var("block" + b + ".gain", Nd4j.rand(F64, 1, 8, 1, 1).addi(0.5));  // [1, C, 1, 1], always trained
            trained.add(gain.name());
            SDVariable r = Norms.groupNorm(sd, h, 2, 1e-5, weight.apply("block" + b + ".norm.g", new long[] {8}), weight.apply("block" + b + ".norm.b", new long[] {8}), 4);
            r = Conv2d.apply(sd, Activations.silu(sd, r), weight.apply("block" + b + ".conv.w", new long[] {3, 3, 8, 8}), null, 1, 1, 1); // [B, C, H, W]
            h = h.add(r.mul(gain));
            checkpoints.add(h.name());
        }
        SDVariable tokens = sd.permute(Shapes.reshape(sd, h, Shapes.dims(sd, h, 0, 2), Shapes.fixed(sd, -1)), 0, 2, 1);   // [B, HW, C]
        SDVariable adapterA = sd.var("adapter.A", Nd4j.randn(F64, 2, 8).muli(0.3));                  // [r, C]
        SDVariable adapterB = sd.var("adapter.B", Nd4j.randn(F64, 8, 2).muli(0.3));                  // [C, r]
        trained.add("adapter.A");
        trained.add("adapter.B");
        SDVariable q = Linear.apply(sd, tokens, weight.apply("q.w", new long[] {8, 8}).add(sd.mmul(adapterB, adapterA)), null, 8, 8);  // [B, HW, C]
        SDVariable k = Linear.apply(sd, tokens, weight.apply("k.w", new long[] {8, 8}), null);       // [B, HW, C]
        SDVariable v = Linear.apply(sd, tokens, weight.apply("v.w", new long[] {8, 8}), null);       // [B, HW, C]
        SDVariable a = tokens.add(Attention.scaledDotProduct(sd, q, k, v, 2, 8, null));              // [B, HW, C]
        checkpoints.add(a.name());
        SDVariable y = Linear.apply(sd, a, weight.apply("o.w", new long[] {4, 8}), null).rename("y");   // [B, HW, 4]
        SDVariable loss = y.mul(y).mean().rename("loss");
        sd.setLossVariables(loss);
        return new Net(sd, trained, checkpoints, Map.of("x", Nd4j.randn(F64, 2, 8, 12, 12)), loss.name(), y.name());
    }

    private static double rel(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / Math.max(1e-300, expected.norm2Number().doubleValue());
    }

    @ParameterizedTest(name = "every weight trained: {0}")
    @ValueSource(booleans = {false, true})
    void recomputedBlocksGiveTheSameGradientsWithFewerBuffers(boolean trainAll) {
        Net n = net(trainAll);
        var reference = n.sd().calculateGradientsAndOutputs(n.feed(), List.of(n.loss(), n.out()), n.trained());
        GradientPlan plain = new GradientPlan(n.sd(), List.of(n.loss(), n.out()), n.trained());
        GradientPlan checkpointed = new GradientPlan(n.sd(), List.of(n.loss(), n.out()), n.trained(), n.checkpoints());
        for (int run = 0; run < 3; run++) {
            GradientPlan.Result p = plain.run(n.feed()), c = checkpointed.run(n.feed());
            assertThat(rel(p.outputs().get(n.out()), c.outputs().get(n.out()))).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
            for (String name : n.trained()) {
                INDArray expected = p.gradients().get(name);
                assertThat(expected.norm2Number().doubleValue()).as(name).isGreaterThan(0);
                assertThat(rel(expected, c.gradients().get(name))).as("gradient of " + name + ", run " + run).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
                assertThat(rel(reference.getGradients().get(name), c.gradients().get(name))).as("vs SameDiff: " + name).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
            }
        }
        assertThat(checkpointed.plan().opsPerRun()).as("the blocks' forward ops run again in backward").isGreaterThan(plain.plan().opsPerRun());
        assertThat(checkpointed.plan().pooledBytes()).as("buffers held: checkpointed vs every activation kept")
                .isLessThan(plain.plan().pooledBytes());
        System.out.printf("trainAll %s: ops per run %d -> %d, pooled %.1f -> %.1f KiB%n", trainAll, plain.plan().opsPerRun(), checkpointed.plan().opsPerRun(),
                plain.plan().pooledBytes() / 1024.0, checkpointed.plan().pooledBytes() / 1024.0);
    }
}
