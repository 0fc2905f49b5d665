/*
 * GraphMathTest: the Kronecker rotation formed as one matrix equals the explicit Q1 ⊗ Q2 ⊗ Q3, and
 * W·Rᵀ through it equals W·Rᵀ by mode products (the two forms GraphMath chooses between by cost),
 * in float64; the cost rule picks the formed matrix for small layers and mode products for wide
 * ones and unknown row counts.
 */
package dev.spectune.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.runtime.Nd4jRuntime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GraphMathTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    /** A ⊗ B by its definition: (A ⊗ B)[i·b + k, j·b + l] = A[i, j]·B[k, l]. */
    private static INDArray kron(INDArray a, INDArray b) {
        long ar = a.rows(), br = b.rows();
        INDArray out = Nd4j.zeros(DataType.DOUBLE, ar * br, ar * br);
        for (long i = 0; i < ar; i++) for (long j = 0; j < ar; j++) for (long k = 0; k < br; k++) for (long l = 0; l < br; l++) {
            out.putScalar(i * br + k, j * br + l, a.getDouble(i, j) * b.getDouble(k, l));
        }
        return out;
    }

    @Test
    void theFormedRotationIsTheKroneckerProductAndBothFormsAgree() {
        int[] sizes = {2, 3, 4};
        Nd4j.getRandom().setSeed(7);
        INDArray[] q = new INDArray[sizes.length];
        SameDiff sd = SameDiff.create();
        SDVariable[] factors = new SDVariable[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            q[i] = Nd4j.randn(DataType.DOUBLE, sizes[i], sizes[i]);
            factors[i] = sd.var("q" + i, q[i]);
        }
        INDArray expected = kron(kron(q[0], q[1]), q[2]);                                            // [24, 24]
        assertThat(GraphMath.kronecker(sd, factors, sizes).eval().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);

        INDArray w = Nd4j.randn(DataType.DOUBLE, 5, 24);
        SDVariable wv = sd.constant("w", w);
        assertThat(GraphMath.formsRotation(5, sizes)).isTrue();
        INDArray formed = GraphMath.timesKroneckerTranspose(sd, wv, 5, factors, sizes).eval();                   // [5, 24]
        INDArray modes = GraphMath.timesKroneckerTranspose(sd, wv, -1, factors, sizes).eval();                  // rows unknown: mode products
        assertThat(formed.sub(w.mmul(expected.transpose())).amaxNumber().doubleValue()).isLessThan(1e-10);
        assertThat(modes.sub(formed).amaxNumber().doubleValue()).isLessThan(1e-10);
    }

    /**
     * A plan forms the named product and its factors' gradients in one op each (KroneckerFusion):
     * loss = Σ C ∘ (W·Rᵀ), gradients with respect to the factors and W equal SameDiff's run of the
     * unfused chain (float64), and no permute or outer product of the chain runs after the first step.
     */
    @Test
    void aPlanFusesTheFormedRotationAndItsFactorGradients() {
        int[] sizes = {2, 3, 4};
        Nd4j.getRandom().setSeed(11);
        SameDiff sd = SameDiff.create();
        SDVariable[] factors = new SDVariable[sizes.length];
        java.util.List<String> wrt = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            factors[i] = sd.var("layer.soda_Q" + (i + 1), Nd4j.randn(DataType.DOUBLE, sizes[i], sizes[i]));
            wrt.add(factors[i].name());
        }
        SDVariable w = sd.var("w", Nd4j.randn(DataType.DOUBLE, 5, 24));                              // [5, 24]
        wrt.add("w");
        SDVariable c = sd.constant("c", Nd4j.randn(DataType.DOUBLE, 5, 24));                          // [5, 24]
        SDVariable rotated = GraphMath.timesKroneckerTranspose(sd, w, 5, factors, sizes);               // [5, 24] = W·Rᵀ, R formed
        sd.sum("loss", rotated.mul(c));
        sd.setLossVariables("loss");
        java.util.Map<String, INDArray> expected = sd.calculateGradients(java.util.Map.of(), wrt);

        var plan = new dev.spectune.plan.GradientPlan(sd, java.util.List.of(), wrt);
        plan.run(java.util.Map.of());                                                                  // the first run compiles
        plan.plan().startProfiling();
        var got = plan.run(java.util.Map.of()).gradients();
        for (String v : wrt) {
            double rel = expected.get(v).sub(got.get(v)).norm2Number().doubleValue() / expected.get(v).norm2Number().doubleValue();
            assertThat(rel).as(v).isLessThanOrEqualTo(dev.spectune.runtime.Tolerances.PLAN_VS_SAMEDIFF_F64_REL);
        }
        java.util.Set<String> kinds = plan.plan().profile().keySet();
        assertThat(kinds).as("ops of a later run").doesNotContain("permute").contains("reshape*");
        assertThat(plan.plan().opsPerRun()).as("ops per run (the unfused chain runs 24)").isLessThanOrEqualTo(12);
    }

    @Test
    void theCostRuleFormsSmallRotationsOnly() {
        assertThat(GraphMath.formsRotation(32, new int[] {4, 4, 2})).isTrue();                          // the small UNet's 32-wide layers
        assertThat(GraphMath.formsRotation(-1, new int[] {4, 4, 2})).isFalse();                         // a layer's input: rows unknown
        assertThat(GraphMath.formsRotation(1280, new int[] {16, 10, 8})).isFalse();                      // SD-1.5's widest
    }
}
