/*
 * LinearAlgebraTest: every eager decomposition checked against EJML in double (the oracle),
 * printing the errors found (they go into the closing notes). Double must agree to 1e-10,
 * float to 1e-5 (Tolerances.DECOMPOSITION_*).
 */
package dev.spectune.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LinearAlgebraTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
        Nd4j.getRandom().setSeed(7);
    }

    private static INDArray random(DataType type, long rows, long cols) {
        return Nd4j.randn(DataType.DOUBLE, rows, cols).castTo(type);
    }

    private static void report(String what, double error, double tolerance) {
        System.out.printf("%-52s error %.3g (tolerance %.0e)%n", what, error, tolerance);
        assertThat(error).as(what).isLessThanOrEqualTo(tolerance);
    }

    private static double tolerance(DataType type) {
        return type == DataType.DOUBLE ? Tolerances.DECOMPOSITION_F64 : Tolerances.DECOMPOSITION_F32;
    }

    @ParameterizedTest(name = "svd {0}x{1} {2}")
    @CsvSource({"40,40,DOUBLE", "64,24,DOUBLE", "24,64,DOUBLE", "96,96,FLOAT", "80,48,FLOAT", "48,80,FLOAT"})
    void svdAgreesWithEjml(int m, int n, DataType type) {
        INDArray w = random(type, m, n);
        Svd svd = Svd.of(w);
        int k = Math.min(m, n);
        assertThat(svd.u().shape()).containsExactly(m, k);
        assertThat(svd.s().shape()).containsExactly(k);
        assertThat(svd.vt().shape()).containsExactly(k, n);
        assertThat(svd.u().dataType()).isEqualTo(type);

        SingularValueDecomposition_F64<DMatrixRMaj> oracle = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        assertThat(oracle.decompose(Ejml.of(w.castTo(DataType.DOUBLE)))).isTrue();
        double[] expected = oracle.getSingularValues().clone();
        java.util.Arrays.sort(expected);
        double[] actual = svd.s().castTo(DataType.DOUBLE).toDoubleVector();
        double sError = 0;
        for (int i = 0; i < k; i++) {
            assertThat(actual[i]).as("descending").isLessThanOrEqualTo(i == 0 ? Double.MAX_VALUE : actual[i - 1]);
            sError = Math.max(sError, Math.abs(actual[i] - expected[k - 1 - i]) / expected[k - 1]);
        }
        String tag = String.format("svd %dx%d %s", m, n, type);
        double tol = tolerance(type);
        report(tag + " singular values vs EJML", sError, tol);
        report(tag + " reconstruction", Matrices.relativeError(svd.reconstruct(), w), tol);
        report(tag + " U orthogonality", Matrices.orthogonalityError(svd.u()), tol);
        report(tag + " V orthogonality", Matrices.orthogonalityError(svd.v()), tol);
        // Subspace agreement, sign-invariant: |<u_i, u_i_ejml>| = 1 for distinct singular values.
        DMatrixRMaj uE = oracle.getU(null, false);
        int[] order = descendingOrder(oracle.getSingularValues(), k);
        INDArray uEjml = Ejml.nd(uE);
        double angle = 0;
        for (int i = 0; i < k; i++) {
            double dot = Math.abs(svd.u().castTo(DataType.DOUBLE).getColumn(i).mul(uEjml.getColumn(order[i])).sumNumber().doubleValue());
            angle = Math.max(angle, 1 - dot);
        }
        report(tag + " left singular vectors 1-|cos| vs EJML", angle, type == DataType.DOUBLE ? 1e-8 : 1e-3);
    }

    private static int[] descendingOrder(double[] values, int k) {
        Integer[] idx = new Integer[k];
        for (int i = 0; i < k; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(values[b], values[a]));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }

    @Test
    void svdSignConventionIsDeterministic() {
        INDArray w = random(DataType.DOUBLE, 12, 9);
        Svd a = Svd.of(w), b = Svd.of(w.neg());
        for (int c = 0; c < 9; c++) {
            INDArray col = a.u().getColumn(c);
            double maxAbs = col.amaxNumber().doubleValue();
            assertThat(col.maxNumber().doubleValue()).as("largest entry positive").isEqualTo(maxAbs);
        }
        // -W has the same U (sign fixed by U), and V flipped.
        assertThat(Matrices.relativeError(b.u(), a.u())).isLessThan(Tolerances.IDENTITY_F64);
        assertThat(Matrices.relativeError(b.vt(), a.vt().neg())).isLessThan(Tolerances.IDENTITY_F64);
    }

    @Test
    void svdOfSd15SizedMatrixWithinToleranceInFloat() {
        INDArray w = random(DataType.FLOAT, 320, 768);
        Svd svd = Svd.of(w);
        report("svd 320x768 FLOAT reconstruction", Matrices.relativeError(svd.reconstruct(), w), Tolerances.DECOMPOSITION_F32);
    }

    @ParameterizedTest(name = "qr {0}x{1} {2}")
    @CsvSource({"30,30,DOUBLE", "50,20,DOUBLE", "60,60,FLOAT", "70,25,FLOAT"})
    void qrAgreesWithEjml(int m, int n, DataType type) {
        INDArray a = random(type, m, n);
        Qr.QR qr = Qr.qr(a);
        String tag = String.format("qr %dx%d %s", m, n, type);
        double tol = tolerance(type);
        report(tag + " reconstruction", Matrices.relativeError(qr.reconstruct(), a), tol);
        report(tag + " Q orthogonality", Matrices.orthogonalityError(qr.q()), tol);
        INDArray r = qr.r().castTo(DataType.DOUBLE);
        for (int i = 0; i < n; i++) {
            assertThat(r.getDouble(i, i)).as("R diagonal non-negative").isGreaterThanOrEqualTo(0);
            for (int j = 0; j < i; j++) assertThat(r.getDouble(i, j)).as("R upper triangular").isEqualTo(0);
        }
        QRDecomposition<DMatrixRMaj> oracle = DecompositionFactory_DDRM.qr(m, n);
        assertThat(oracle.decompose(Ejml.of(a.castTo(DataType.DOUBLE)))).isTrue();
        INDArray rE = Ejml.nd(oracle.getR(null, true));
        INDArray qE = Ejml.nd(oracle.getQ(null, true));
        // Fix EJML's signs the same way (non-negative diagonal of R), then compare factors.
        for (int i = 0; i < n; i++) {
            if (rE.getDouble(i, i) < 0) {
                rE.getRow(i).muli(-1);
                qE.getColumn(i).muli(-1);
            }
        }
        report(tag + " R vs EJML", Matrices.relativeError(r, rE), type == DataType.DOUBLE ? 1e-10 : 1e-5);
        report(tag + " Q vs EJML", Matrices.relativeError(qr.q().castTo(DataType.DOUBLE), qE), type == DataType.DOUBLE ? 1e-10 : 1e-4);
    }

    @ParameterizedTest(name = "lq {0}x{1} {2}")
    @CsvSource({"16,24,DOUBLE", "20,20,DOUBLE", "24,64,FLOAT"})
    void lqReconstructsWithLowerTriangularL(int m, int n, DataType type) {
        INDArray a = random(type, m, n);
        Qr.LQ lq = Qr.lq(a);
        String tag = String.format("lq %dx%d %s", m, n, type);
        report(tag + " reconstruction", Matrices.relativeError(lq.reconstruct(), a), tolerance(type));
        report(tag + " Q row orthogonality", Matrices.orthogonalityError(lq.q().transpose()), tolerance(type));
        INDArray l = lq.l().castTo(DataType.DOUBLE);
        for (int i = 0; i < m; i++) for (int j = i + 1; j < m; j++) assertThat(l.getDouble(i, j)).isEqualTo(0);
    }

    @Test
    void cayleyMatchesEjmlInverseAndIsOrthogonal() {
        INDArray x = random(DataType.DOUBLE, 9, 9);
        INDArray k = Cayley.skewPart(x);
        DMatrixRMaj eye = CommonOps_DDRM.identity(9);
        DMatrixRMaj plus = new DMatrixRMaj(9, 9), minus = new DMatrixRMaj(9, 9), inv = new DMatrixRMaj(9, 9);
        CommonOps_DDRM.add(eye, Ejml.of(k), plus);
        CommonOps_DDRM.subtract(eye, Ejml.of(k), minus);
        assertThat(CommonOps_DDRM.invert(plus.copy(), inv)).isTrue();
        DMatrixRMaj expected = new DMatrixRMaj(9, 9);
        CommonOps_DDRM.mult(minus, inv, expected);
        INDArray c = Cayley.minusPlus(k);
        report("cayley (I-K)(I+K)^-1 vs EJML", Matrices.relativeError(c, Ejml.nd(expected)), 1e-12);
        report("cayley (I-K)(I+K)^-1 orthogonality", Matrices.orthogonalityError(c), 1e-12);
        CommonOps_DDRM.invert(minus.copy(), inv);
        CommonOps_DDRM.mult(plus, inv, expected);
        report("cayley (I+K)(I-K)^-1 vs EJML", Matrices.relativeError(Cayley.plusMinus(k), Ejml.nd(expected)), 1e-12);
        // The two transforms are each other's inverse.
        report("cayley inverse pair", Matrices.relativeError(Cayley.minusPlus(k).mmul(Cayley.plusMinus(k)), Nd4j.eye(9).castTo(DataType.DOUBLE)), 1e-12);
        assertThat(Matrices.relativeError(Cayley.minusPlus(Nd4j.zeros(DataType.DOUBLE, 4, 4)), Nd4j.eye(4).castTo(DataType.DOUBLE))).isZero();
    }

    @Test
    void cayleyFloat() {
        INDArray k = Cayley.skewPart(random(DataType.FLOAT, 16, 16));
        INDArray c = Cayley.minusPlus(k);
        assertThat(c.dataType()).isEqualTo(DataType.FLOAT);
        report("cayley float orthogonality", Matrices.orthogonalityError(c), Tolerances.DECOMPOSITION_F32);
    }

    @Test
    void kroneckerProductMatchesEjmlAndFastApplyMatchesFullMatrix() {
        INDArray a = random(DataType.DOUBLE, 2, 2), b = random(DataType.DOUBLE, 3, 3), c = random(DataType.DOUBLE, 4, 4);
        DMatrixRMaj ab = CommonOps_DDRM.kron(Ejml.of(a), Ejml.of(b), null);
        DMatrixRMaj abc = CommonOps_DDRM.kron(ab, Ejml.of(c), null);
        INDArray full = Kronecker.product(a, b, c);
        report("kronecker product (2,3,4) vs EJML", Matrices.relativeError(full, Ejml.nd(abc)), 1e-15);
        INDArray x = random(DataType.DOUBLE, 5, 24);
        INDArray fast = Kronecker.applyToRows(x, a, b, c);
        report("kronecker mode-product apply vs X·Rᵀ", Matrices.relativeError(fast, x.mmul(full.transpose())), 1e-13);
        assertThatThrownBy(() -> Kronecker.applyToRows(random(DataType.DOUBLE, 2, 25), a, b, c))
                .hasMessageContaining("multiply to 24").hasMessageContaining("25");
    }

    @Test
    void kroneckerApplyAtSd15Size() {
        INDArray[] factors = {Cayley.minusPlus(Cayley.skewPart(random(DataType.DOUBLE, 4, 4))),
                Cayley.minusPlus(Cayley.skewPart(random(DataType.DOUBLE, 16, 16))),
                Cayley.minusPlus(Cayley.skewPart(random(DataType.DOUBLE, 20, 20)))};
        INDArray x = random(DataType.DOUBLE, 3, 1280);
        INDArray full = Kronecker.product(factors);
        report("kronecker apply 1280=(4,16,20) vs full matrix", Matrices.relativeError(Kronecker.applyToRows(x, factors), x.mmul(full.transpose())), 1e-12);
        report("kronecker product of rotations orthogonality", Matrices.orthogonalityError(full), 1e-12);
    }

    @Test
    void newtonSchulzInverseSqrtMatchesEjmlEigen() {
        INDArray x = random(DataType.DOUBLE, 12, 8);
        INDArray spd = x.transpose().mmul(x).addi(Nd4j.eye(8).castTo(DataType.DOUBLE).muli(0.5));
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(8, true, true);
        assertThat(eig.decompose(Ejml.of(spd))).isTrue();
        DMatrixRMaj expected = new DMatrixRMaj(8, 8);
        for (int i = 0; i < 8; i++) {
            double lambda = eig.getEigenvalue(i).getReal();
            DMatrixRMaj v = eig.getEigenVector(i);
            DMatrixRMaj outer = new DMatrixRMaj(8, 8);
            CommonOps_DDRM.multTransB(v, v, outer);
            CommonOps_DDRM.addEquals(expected, 1 / Math.sqrt(lambda) / CommonOps_DDRM.dot(v, v), outer);
        }
        INDArray ns = NewtonSchulz.inverseSqrt(spd, 1e-15, NewtonSchulz.DEFAULT_MAX_ITERATIONS);
        report("newton-schulz A^-1/2 vs EJML eigen", Matrices.relativeError(ns, Ejml.nd(expected)), 1e-10);
        // Polar retraction of a perturbed orthogonal matrix is orthogonal.
        INDArray q = Cayley.minusPlus(Cayley.skewPart(random(DataType.DOUBLE, 6, 6))).addi(random(DataType.DOUBLE, 6, 6).muli(1e-3));
        INDArray polar = q.mmul(NewtonSchulz.inverseSqrt(q.transpose().mmul(q), 1e-15, 100));
        report("newton-schulz polar retraction orthogonality", Matrices.orthogonalityError(polar), 1e-12);
    }

    @Test
    void matrixExponentialOfSkewMatchesExactRotations() {
        // K = Q·blockdiag(θ_i J)·Qᵀ has exp(K) = Q·blockdiag(R(θ_i))·Qᵀ exactly (Q orthogonal from EJML's QR).
        int n = 8;
        QRDecomposition<DMatrixRMaj> qrd = DecompositionFactory_DDRM.qr(n, n);
        qrd.decompose(Ejml.of(random(DataType.DOUBLE, n, n)));
        INDArray q = Ejml.nd(qrd.getQ(null, false));
        double[] thetas = {0.3, -1.7, 2.9, 5.5};
        INDArray block = Nd4j.zeros(DataType.DOUBLE, n, n), rot = Nd4j.zeros(DataType.DOUBLE, n, n);
        for (int i = 0; i < thetas.length; i++) {
            double t = thetas[i];
            block.putScalar(2 * i, 2 * i + 1, -t);
            block.putScalar(2 * i + 1, 2 * i, t);
            rot.putScalar(2 * i, 2 * i, Math.cos(t));
            rot.putScalar(2 * i, 2 * i + 1, -Math.sin(t));
            rot.putScalar(2 * i + 1, 2 * i, Math.sin(t));
            rot.putScalar(2 * i + 1, 2 * i + 1, Math.cos(t));
        }
        INDArray k = q.mmul(block).mmul(q.transpose());
        k = k.sub(k.transpose()).muli(0.5);
        INDArray expected = q.mmul(rot).mmul(q.transpose());
        INDArray e = MatrixExp.expSkew(k, 1e-12);
        report("expm(skew) vs exact rotation (EJML QR basis)", Matrices.relativeError(e, expected), 1e-12);
        report("expm(skew) orthogonality", Matrices.orthogonalityError(e), 1e-12);
        assertThatThrownBy(() -> MatrixExp.expSkew(random(DataType.DOUBLE, 3, 3), 1e-12)).hasMessageContaining("not skew");
    }

    @Test
    void badShapesAreRejectedWithTheShape() {
        assertThatThrownBy(() -> Svd.of(Nd4j.zeros(DataType.DOUBLE, 2, 3, 4))).hasMessageContaining("[2, 3, 4]");
        assertThatThrownBy(() -> Cayley.minusPlus(Nd4j.zeros(DataType.DOUBLE, 2, 3))).hasMessageContaining("square");
        assertThatThrownBy(() -> Qr.qr(Nd4j.zeros(DataType.DOUBLE, 2, 3))).hasMessageContaining("rows >= cols");
    }
}
