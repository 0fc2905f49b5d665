/*
 * EuclideanOptimizerTest: AdamW and SGD against hand-computed torch updates, bit-identical resume,
 * global-norm clipping, and diffusers' learning-rate schedules at sample points.
 */
package dev.spectune.optim;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EuclideanOptimizerTest {

    @Test
    void adamWMatchesTorchFormulaForTwoSteps() {
        INDArray p = Nd4j.createFromArray(1.0, -2.0);
        AdamW adam = new AdamW(Map.of("p", p), 0.1, 0.9, 0.999, 1e-8, 0.01);
        double[] w = {1.0, -2.0}, m = new double[2], v = new double[2];
        double[][] grads = {{0.5, -1.0}, {0.2, 0.3}};
        for (int step = 1; step <= 2; step++) {
            adam.step(Map.of("p", Nd4j.createFromArray(grads[step - 1])));
            for (int i = 0; i < 2; i++) {
                double g = grads[step - 1][i];
                w[i] *= 1 - 0.1 * 0.01;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= 0.1 / (1 - Math.pow(0.9, step)) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, step)) + 1e-8);
            }
        }
        assertThat(p.toDoubleVector()).containsExactly(w, within(Tolerances.CLOSED_FORM_F64));
    }

    /** The flat path is the reference's arithmetic: the same bits, through a resume and a step where one gradient is missing. */
    @Test
    void adamWOverAllTensorsAtOnceEqualsTensorByTensor() {
        long[][] shapes = {{4, 3}, {7}, {2, 5, 3}, {1, 1}, {33, 2}};
        Map<String, INDArray> flat = new java.util.LinkedHashMap<>(), each = new java.util.LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) {
            INDArray p = Nd4j.randn(DataType.FLOAT, shapes[i]);
            flat.put("p" + i, p);
            each.put("p" + i, p.dup());
        }
        AdamW fast = AdamW.withDefaults(flat, 3e-2), reference = AdamW.withDefaults(each, 3e-2);
        for (int step = 0; step < 6; step++) {
            Map<String, INDArray> grads = new java.util.LinkedHashMap<>();
            for (int i = 0; i < shapes.length; i++) grads.put("p" + i, Nd4j.randn(DataType.FLOAT, shapes[i]).muli(Math.pow(10, i - 2)));
            if (step >= 4) {                                                                  // a missing gradient, then unequal step counts: the reference path
                if (step == 4) grads.remove("p1");
                fast.step(grads);
            } else {
                fast.stepFlat(grads);
            }
            reference.stepEach(grads);
            if (step == 2) {                                                                  // a resumed optimizer lays its state out again
                AdamW resumed = AdamW.withDefaults(flat, 1);
                resumed.loadState(fast.stateTensors(), fast.stateScalars());
                fast = resumed;
            }
            for (String k : flat.keySet()) assertThat(flat.get(k)).as("step %d, %s", step, k).isEqualTo(each.get(k));
        }
        Map<String, INDArray> fastState = fast.stateTensors(), referenceState = reference.stateTensors();
        assertThat(fastState.keySet()).isEqualTo(referenceState.keySet());
        for (String k : fastState.keySet()) assertThat(fastState.get(k)).as(k).isEqualTo(referenceState.get(k));
        assertThat(fast.stateScalars()).isEqualTo(reference.stateScalars());
    }

    @Test
    void sgdMomentumAndNesterov() {
        INDArray p = Nd4j.createFromArray(1.0);
        SgdMomentum sgd = new SgdMomentum(Map.of("p", p), 0.1, 0.9, 0, 0, false);
        sgd.step(Map.of("p", Nd4j.createFromArray(1.0)));     // b = 1, p = 0.9
        sgd.step(Map.of("p", Nd4j.createFromArray(1.0)));     // b = 1.9, p = 0.71
        assertThat(p.getDouble(0)).isCloseTo(0.71, within(Tolerances.CLOSED_FORM_F64));
        INDArray q = Nd4j.createFromArray(1.0);
        SgdMomentum nesterov = new SgdMomentum(Map.of("q", q), 0.1, 0.9, 0, 0, true);
        nesterov.step(Map.of("q", Nd4j.createFromArray(1.0)));  // b = 1, d = 1 + 0.9 = 1.9, q = 0.81
        assertThat(q.getDouble(0)).isCloseTo(0.81, within(Tolerances.CLOSED_FORM_F64));
    }

    @Test
    void adamWResumesBitIdentically() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 5), b = a.dup();
        AdamW one = AdamW.withDefaults(Map.of("w", a), 1e-2), two = AdamW.withDefaults(Map.of("w", b), 1e-2);
        INDArray[] g = new INDArray[8];
        for (int i = 0; i < 8; i++) g[i] = Nd4j.randn(DataType.FLOAT, 5);
        for (int i = 0; i < 4; i++) {
            one.step(Map.of("w", g[i]));
            two.step(Map.of("w", g[i]));
        }
        AdamW resumed = AdamW.withDefaults(Map.of("w", b), 999);
        resumed.loadState(two.stateTensors(), two.stateScalars());
        for (int i = 4; i < 8; i++) {
            one.step(Map.of("w", g[i]));
            resumed.step(Map.of("w", g[i]));
        }
        assertThat(b).isEqualTo(a);
    }

    @Test
    void clippingScalesOnlyAboveTheNorm() {
        INDArray g1 = Nd4j.createFromArray(3.0, 0.0), g2 = Nd4j.createFromArray(4.0);
        double total = GradientClipping.clipByGlobalNorm(List.of(g1, g2), 1.0);
        assertThat(total).isEqualTo(5.0);
        assertThat(g1.getDouble(0)).isCloseTo(3.0 / (5.0 + 1e-6), within(Tolerances.CLOSED_FORM_F64));
        assertThat(g2.getDouble(0)).isCloseTo(4.0 / (5.0 + 1e-6), within(Tolerances.CLOSED_FORM_F64));
        INDArray small = Nd4j.createFromArray(0.1);
        GradientClipping.clipByGlobalNorm(List.of(small), 1.0);
        assertThat(small.getDouble(0)).isEqualTo(0.1);
    }

    @Test
    void schedulesFollowDiffusers() {
        assertThat(LearningRateSchedule.of("constant", 10, 100).multiplier(5, 1)).isEqualTo(1.0);
        assertThat(LearningRateSchedule.of("constant_with_warmup", 10, 100).multiplier(5, 1)).isEqualTo(0.5);
        assertThat(LearningRateSchedule.of("linear", 10, 100).multiplier(55, 1)).isCloseTo(0.5, within(Tolerances.IDENTITY_F64));
        assertThat(LearningRateSchedule.of("cosine", 0, 100).multiplier(50, 1)).isCloseTo(0.5, within(Tolerances.IDENTITY_F64));
        assertThat(LearningRateSchedule.of("cosine", 0, 100).multiplier(100, 1)).isCloseTo(0.0, within(Tolerances.IDENTITY_F64));
        var restarts = new LearningRateSchedule("cosine_with_restarts", 0, 100, 2, 1, 1e-7);
        assertThat(restarts.multiplier(25, 1)).isCloseTo(0.5, within(Tolerances.IDENTITY_F64));
        assertThat(restarts.multiplier(50, 1)).isCloseTo(1.0, within(Tolerances.IDENTITY_F64));
        var poly = new LearningRateSchedule("polynomial", 0, 100, 0.5, 2.0, 0.0);
        assertThat(poly.multiplier(50, 1.0)).isCloseTo(0.25, within(Tolerances.IDENTITY_F64));
        assertThatThrownBy(() -> LearningRateSchedule.of("exotic", 0, 1)).hasMessageContaining("exotic");
        assertThat(GroupSchedule.ALTERNATING.firstSteps(0)).isTrue();
        assertThat(GroupSchedule.ALTERNATING.secondSteps(0)).isFalse();
        assertThat(GroupSchedule.JOINT.secondSteps(4)).isTrue();
    }
}
