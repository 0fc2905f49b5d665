/*
 * StiefelOptimizerTest: the Stiefel optimizers keep XᵀX = I over long runs, and solve problems
 * with closed-form answers — the top-k eigenvectors of a symmetric matrix (max tr(XᵀAX) on
 * St(n, k), checked against EJML's eigenvalues) and orthogonal Procrustes (min ‖AX − B‖_F over
 * O(n), checked against the SVD solution).
 */
package dev.spectune.optim;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.linalg.Matrices;
import dev.spectune.linalg.Qr;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Nd4jRuntime;
import java.util.Arrays;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StiefelOptimizerTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static INDArray orthonormal(DataType type, int n, int m, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Qr.qr(Nd4j.randn(DataType.DOUBLE, n, m)).q().castTo(type);
    }

    @Test
    void orthogonalityHoldsOverTenThousandAdamStepsInFloat32() {
        for (int[] shape : new int[][] {{6, 6}, {12, 4}}) {
            INDArray x = orthonormal(DataType.FLOAT, shape[0], shape[1], 11);
            StiefelAdam adam = new StiefelAdam(Map.of("X", x), 1e-2, 0.9, 0.99, 1e-5, StiefelOptions.soda());
            Nd4j.getRandom().setSeed(12);
            double worst = 0;
            for (int step = 0; step < 10_000; step++) {
                adam.step(Map.of("X", Nd4j.randn(DataType.FLOAT, shape[0], shape[1])));
                if (step % 100 == 99) worst = Math.max(worst, Matrices.orthogonalityError(x));
            }
            worst = Math.max(worst, Matrices.orthogonalityError(x));
            System.out.printf("StiefelAdam float32 %s: max |XᵀX − I| over 10000 random-gradient steps = %.2e%n", Arrays.toString(shape), worst);
            assertThat(worst).isLessThan(Tolerances.DECOMPOSITION_F32);
        }
    }

    /** max tr(XᵀAX) on St(n, k): the optimum is the sum of the k largest eigenvalues. */
    @Test
    void topEigenvectorsBySgdAndAdam() {
        int n = 10, k = 3;
        Nd4j.getRandom().setSeed(21);
        INDArray b = Nd4j.randn(DataType.DOUBLE, n, n);
        INDArray a = b.add(b.transpose()).muli(0.5);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        eig.decompose(new DMatrixRMaj(n, n, true, Matrices.rowMajor(a)));
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = eig.getEigenvalue(i).getReal();
        Arrays.sort(values);
        double optimum = values[n - 1] + values[n - 2] + values[n - 3];
        for (String which : new String[] {"sgd", "adam"}) {
            INDArray x = orthonormal(DataType.DOUBLE, n, k, 22);
            Map<String, INDArray> p = Map.of("X", x);
            Optimizer o = which.equals("sgd")
                    ? new StiefelSgd(p, 0.01, 0.9, 0, StiefelOptions.soda().withExpMethod(StiefelOptions.ExpMethod.CAYLEY))
                    : new StiefelAdam(p, 0.02, 0.9, 0.999, 1e-8, StiefelOptions.soda());
            for (int step = 0; step < 3000; step++) {
                if (which.equals("adam") && step == 2000) o.setLearningRate(0.002);
                o.step(Map.of("X", a.mmul(x).muli(-2)));                          // ∇(−tr XᵀAX) = −2AX
            }
            double objective = Nd4j.diag(x.transpose().mmul(a).mmul(x)).sumNumber().doubleValue();
            double rel = Math.abs(objective - optimum) / Math.abs(optimum);
            System.out.printf("top-%d eigenspace by Stiefel %s: tr(XᵀAX) = %.12f, optimum %.12f, rel %.2e%n", k, which, objective, optimum, rel);
            assertThat(rel).isLessThan(Tolerances.CONVERGED_F64_REL);
            assertThat(Matrices.orthogonalityError(x)).isLessThan(Tolerances.DECOMPOSITION_F64);
        }
    }

    /** min ‖AX − B‖²_F over orthogonal X: X* = UVᵀ with AᵀB = UΣVᵀ. */
    @Test
    void orthogonalProcrustes() {
        int n = 6;
        Nd4j.getRandom().setSeed(31);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 20, n), b = Nd4j.randn(DataType.DOUBLE, 20, n);
        Svd svd = Svd.of(a.transpose().mmul(b));
        INDArray best = svd.u().mmul(svd.vt());
        double optimum = a.mmul(best).sub(b).norm2Number().doubleValue();
        INDArray x = orthonormal(DataType.DOUBLE, n, n, 32);
        StiefelAdam adam = new StiefelAdam(Map.of("X", x), 0.02, 0.9, 0.999, 1e-8, StiefelOptions.soda().withExpMethod(StiefelOptions.ExpMethod.MATRIX_EXP));
        for (int step = 0; step < 3000; step++) {
            if (step == 2000) adam.setLearningRate(0.002);
            adam.step(Map.of("X", a.transpose().mmul(a.mmul(x).sub(b)).muli(2)));
        }
        double objective = a.mmul(x).sub(b).norm2Number().doubleValue();
        double rel = Math.abs(objective - optimum) / optimum;
        System.out.printf("Procrustes by Stiefel Adam: ‖AX − B‖ = %.12f, closed form %.12f, rel %.2e, ‖X − X*‖ = %.2e%n",
                objective, optimum, rel, x.sub(best).norm2Number().doubleValue());
        assertThat(rel).isLessThan(Tolerances.CONVERGED_F64_REL);
    }

    @Test
    void stateRoundTripContinuesBitIdentically() {
        for (boolean adam : new boolean[] {true, false}) {
            INDArray x1 = orthonormal(DataType.FLOAT, 8, 3, 41), x2 = x1.dup();
            Optimizer a = make(adam, x1), b = make(adam, x2);
            Nd4j.getRandom().setSeed(42);
            INDArray[] grads = new INDArray[10];
            for (int i = 0; i < 10; i++) grads[i] = Nd4j.randn(DataType.FLOAT, 8, 3);
            for (int i = 0; i < 5; i++) {
                a.step(Map.of("X", grads[i]));
                b.step(Map.of("X", grads[i]));
            }
            Optimizer resumed = make(adam, x2);
            resumed.loadState(b.stateTensors(), b.stateScalars());
            for (int i = 5; i < 10; i++) {
                a.step(Map.of("X", grads[i]));
                resumed.step(Map.of("X", grads[i]));
            }
            assertThat(x2).as(adam ? "adam" : "sgd").isEqualTo(x1);
        }
    }

    private static Optimizer make(boolean adam, INDArray x) {
        return adam ? new StiefelAdam(Map.of("X", x), 0.01, 0.9, 0.99, 1e-5, StiefelOptions.soda())
                : new StiefelSgd(Map.of("X", x), 0.05, 0.9, 0, StiefelOptions.soda());
    }
}
