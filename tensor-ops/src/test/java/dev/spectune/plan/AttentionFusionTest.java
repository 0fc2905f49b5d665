/*
 * AttentionFusionTest: attention in an inference plan runs fused over blocks of query rows and
 * equals SameDiff's unfused graph (float64, PLAN_VS_SAMEDIFF_F64_REL); blocks of any row count,
 * the last one short, give the one-block result; a gradient plan, whose backward reads the
 * probabilities, keeps the chain unfused.
 */
package dev.spectune.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.ops.Attention;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AttentionFusionTest {

    private static final DataType F64 = DataType.DOUBLE;

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static double rel(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @Test
    void anInferencePlanFusesAttentionAndMatchesSameDiff() {
        Nd4j.getRandom().setSeed(3);
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.placeHolder("q", F64, 2, 37, 8);                                        // [B, Tq, C]
        SDVariable kv = sd.placeHolder("kv", F64, 2, 11, 8);                                      // [B, Tk, C]
        SDVariable v = sd.placeHolder("v", F64, 2, 11, 8);                                        // [B, Tk, C]
        SDVariable y = Attention.scaledDotProduct(sd, q, kv, v, 2, 8, null).rename("y");          // [B, Tq, C]
        Map<String, INDArray> feed = Map.of("q", Nd4j.randn(F64, 2, 37, 8), "kv", Nd4j.randn(F64, 2, 11, 8), "v", Nd4j.randn(F64, 2, 11, 8));
        INDArray expected = sd.output(feed, "y").get("y");
        ExecutionPlan plan = new ExecutionPlan(sd, sd, List.of("y"));
        for (int run = 0; run < 2; run++) {
            assertThat(rel(expected, plan.run(feed).get("y"))).as("run " + run).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
        }
        String ops = plan.describe();
        assertThat(ops).contains("matmul*").doesNotContain("softmax", "mul_scalar");
    }

    @Test
    void blocksOfAnyRowCountGiveTheOneBlockResult() {
        Nd4j.getRandom().setSeed(4);
        INDArray q = Nd4j.randn(F64, 4, 23, 5), k = Nd4j.randn(F64, 4, 9, 5), v = Nd4j.randn(F64, 4, 9, 3);   // [BH, T, d]
        INDArray whole = run(q, k, v, Long.MAX_VALUE);
        INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(0.4);                       // [BH, Tq, Tk]
        INDArray reference = Nd4j.matmul(Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(scores, 2))[0], v); // [BH, Tq, dv]
        assertThat(rel(reference, whole)).isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
        for (long rows : new long[] {1, 2, 5, 22}) {
            INDArray blocked = run(q, k, v, rows * 4 * 9 * 8);                                  // `rows` query rows a block
            assertThat(rel(whole, blocked)).as(rows + " rows a block").isLessThanOrEqualTo(Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
        }
    }

    private static INDArray run(INDArray q, INDArray k, INDArray v, long blockBytes) {
        INDArray[] values = {q, k, v, null};
        new AttentionFusion.ChunkedAttention(0, 1, 2, 0.4, blockBytes).execute(values, null, null, new int[] {3}, new BufferPool());
        return values[3];
    }

    @Test
    void aGradientPlanKeepsTheChainItsBackwardReads() {
        SameDiff sd = SameDiff.create();
        SDVariable q = sd.var("q", Nd4j.randn(F64, 1, 6, 4));                                   // [B, T, C]
        SDVariable y = Attention.scaledDotProduct(sd, q, q, q, 1, 4, null);
        SDVariable loss = y.mul(y).mean().rename("loss");
        sd.setLossVariables(loss);
        GradientPlan plan = new GradientPlan(sd, List.of("loss"), List.of("q"));
        plan.run(Map.of());
        assertThat(plan.plan().describe()).contains("softmax");
    }
}
