/*
 * SpectraTest: spectrum statistics on hand-computed cases, principal angles and subspace shares on
 * constructed rotations, randomized SVD against the full SVD, and DecompositionCheck against EJML
 * — including that it catches a corrupted decomposition.
 */
package dev.spectune.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SpectraTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
        Nd4j.getRandom().setSeed(11);
    }

    @Test
    void statisticsOfAKnownSpectrum() {
        double[] s = {3, 2, 1};
        assertThat(Spectra.spectralNorm(s)).isEqualTo(3);
        assertThat(Spectra.stableRank(s)).isCloseTo(14.0 / 9, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Spectra.topEnergy(s, 1)).isCloseTo(9.0 / 14, within(Tolerances.CLOSED_FORM_F64));
        assertThat(Spectra.topEnergy(s, 32)).isCloseTo(1.0, within(Tolerances.CLOSED_FORM_F64));
        double h = -(0.5 * Math.log(0.5) + (1.0 / 3) * Math.log(1.0 / 3) + (1.0 / 6) * Math.log(1.0 / 6));
        assertThat(Spectra.effectiveRank(s)).isCloseTo(Math.exp(h), within(Tolerances.REARRANGED_F64));
        assertThat(Spectra.effectiveRank(new double[] {5, 5, 5, 5})).isCloseTo(4.0, within(Tolerances.IDENTITY_F64));
    }

    @Test
    void principalAnglesOfARotatedPlane() {
        double t = Math.toRadians(30);
        INDArray a = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {0, 0}, {0, 0}});                       // span{e1, e2}
        INDArray b = Nd4j.createFromArray(new double[][] {{1, 0}, {0, Math.cos(t)}, {0, Math.sin(t)}, {0, 0}});   // e2 turned 30° toward e3
        double[] deg = Spectra.principalAnglesDegrees(a, b);
        assertThat(deg[0]).isCloseTo(0, within(Tolerances.ANGLE_AT_ZERO_DEG));
        assertThat(deg[1]).isCloseTo(30, within(Tolerances.ANGLE_DEG));
        assertThat(Spectra.largestAngleSine(a, b)).isCloseTo(0.5, within(Tolerances.IDENTITY_F64));
    }

    @Test
    void shareOfAChangeInTheSingularSubspaces() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 12, 9);
        Svd svd = Svd.of(w);
        INDArray u1 = Spectra.leftColumns(svd, 1), v5 = svd.vt().getRow(4).reshape(9, 1);
        INDArray delta = u1.mmul(v5.transpose());                                     // u1·v5ᵀ: inside the left top-1, outside the right top-4
        assertThat(Spectra.leftShare(u1, delta)).isCloseTo(1, within(Tolerances.IDENTITY_F64));
        assertThat(Spectra.rightShare(Spectra.rightColumns(svd, 4), delta)).isCloseTo(0, within(Tolerances.IDENTITY_F64));
        assertThat(Spectra.rightShare(Spectra.rightColumns(svd, 5), delta)).isCloseTo(1, within(Tolerances.IDENTITY_F64));
    }

    /** W = U·diag(0.7^i)·Vᵀ with a decaying spectrum, the case the range finder is made for. */
    private static INDArray decaying(int m, int n) {
        int k = Math.min(m, n);
        INDArray u = Qr.qr(Nd4j.randn(DataType.DOUBLE, m, k)).q(), v = Qr.qr(Nd4j.randn(DataType.DOUBLE, n, k)).q();
        INDArray s = Nd4j.create(DataType.DOUBLE, k);
        for (int i = 0; i < k; i++) s.putScalar(i, Math.pow(0.7, i));
        return u.mulRowVector(s).mmul(v.transpose());
    }

    @ParameterizedTest(name = "randomized svd {0}x{1}")
    @CsvSource({"200,120", "120,200", "160,160"})
    void randomizedSvdMatchesTheFullSvdOnTheTopR(int m, int n) {
        INDArray w = decaying(m, n);
        Svd full = Svd.of(w), top = RandomizedSvd.of(w, new RandomizedSvd.Options(8, 10, 2, 3));
        double[] f = full.s().toDoubleVector(), r = top.s().toDoubleVector();
        double worst = 0;
        for (int i = 0; i < 8; i++) worst = Math.max(worst, Math.abs(f[i] - r[i]) / f[0]);
        double sine = Spectra.largestAngleSine(Spectra.leftColumns(top, 8), Spectra.leftColumns(full, 8));
        System.out.printf("randomized SVD %dx%d top-8: singular values %.2e, subspace sine %.2e%n", m, n, worst, sine);
        assertThat(worst).isLessThan(Tolerances.DECOMPOSITION_F64);
        assertThat(sine).isLessThan(Tolerances.RANDOMIZED_SUBSPACE_F64);
        assertThat(top.u().shape()).containsExactly(m, 8);
        assertThat(top.vt().shape()).containsExactly(8, n);
        assertThat(Matrices.relativeError(top.u().getColumn(0), full.u().getColumn(0))).as("same sign convention").isLessThan(Tolerances.RANDOMIZED_SUBSPACE_F64);
    }

    @Test
    void randomizedSvdWithoutPowerIterationsIsWorseOnAFlatSpectrum() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 150, 150);
        Svd full = Svd.of(w);
        double q0 = Spectra.largestAngleSine(Spectra.leftColumns(RandomizedSvd.of(w, new RandomizedSvd.Options(8, 5, 0, 1)), 8), Spectra.leftColumns(full, 8));
        double q4 = Spectra.largestAngleSine(Spectra.leftColumns(RandomizedSvd.of(w, new RandomizedSvd.Options(8, 5, 4, 1)), 8), Spectra.leftColumns(full, 8));
        System.out.printf("randomized SVD on a flat spectrum: subspace sine q=0 %.3f, q=4 %.3f%n", q0, q4);
        assertThat(q4).isLessThan(q0);
        assertThatThrownBy(() -> RandomizedSvd.of(Nd4j.randn(DataType.DOUBLE, 4, 6), RandomizedSvd.Options.topR(5)))
                .hasMessageContaining("exceeds min(m, n) = 4");
    }

    @ParameterizedTest(name = "check {0}x{1} {2}")
    @CsvSource({"64,48,DOUBLE", "48,64,DOUBLE", "40,40,DOUBLE", "64,48,FLOAT", "48,96,FLOAT"})
    void gesddPassesTheEjmlCheck(int m, int n, DataType type) {
        INDArray w = Nd4j.randn(DataType.DOUBLE, m, n).castTo(type);
        double tolerance = type == DataType.DOUBLE ? Tolerances.DECOMPOSITION_F64 : Tolerances.DECOMPOSITION_F32;
        DecompositionCheck.SvdReport svd = DecompositionCheck.checkSvd(w, Svd.of(w), 8);
        DecompositionCheck.QrReport qr = DecompositionCheck.checkQrOfTranspose(w);
        System.out.printf("check %dx%d %s: %s %s%n", m, n, type, svd, qr);
        assertThat(svd.within(tolerance)).as(svd.toString()).isTrue();
        assertThat(qr.within(tolerance)).as(qr.toString()).isTrue();
    }

    @Test
    void aCorruptedDecompositionFailsTheCheck() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 32, 24);
        Svd good = Svd.of(w);
        INDArray u = good.u().dup();
        u.putScalar(5, 2, u.getDouble(5, 2) + 1e-6);
        DecompositionCheck.SvdReport bad = DecompositionCheck.checkSvd(w, new Svd(u, good.s(), good.vt()), 8);
        assertThat(bad.within(Tolerances.DECOMPOSITION_F64)).isFalse();
        assertThat(bad.reconstruction()).isGreaterThan(1e-8);
        INDArray s = good.s().dup();
        s.putScalar(0, s.getDouble(0) * (1 + 1e-7));
        assertThat(DecompositionCheck.checkSvd(w, new Svd(good.u(), s, good.vt()), 8).singularValues()).isGreaterThan(1e-8);
        // a sign flip of one singular pair is still a valid SVD: the check is sign-invariant
        INDArray uf = good.u().dup(), vf = good.vt().dup();
        uf.getColumn(3).muli(-1);
        vf.getRow(3).muli(-1);
        assertThat(DecompositionCheck.checkSvd(w, new Svd(uf, good.s(), vf), 8).within(Tolerances.DECOMPOSITION_F64)).isTrue();
    }
}
