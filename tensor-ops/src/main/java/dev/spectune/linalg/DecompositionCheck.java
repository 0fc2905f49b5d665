/*
 * DecompositionCheck: cross-checks an SVD of W (from gesdd, or read from a cache) and the QR of Wᵀ
 * that SODA-QR uses against EJML's decompositions computed in double — the oracle.
 *
 * SVD measures (all relative, so one tolerance serves every layer):
 *   singular values   max |sᵢ − ŝᵢ| / ŝ₁
 *   reconstruction    ‖U·diag(s)·Vᵀ − W‖_F / ‖W‖_F
 *   orthogonality     max(max|UᵀU − I|, max|VᵀV − I|)
 *   subspaces         sin of the largest principal angle between the top-r left (and right) singular
 *                     subspaces of the candidate and of EJML: sign- and rotation-invariant. By
 *                     Davis–Kahan the subspace is only determined to ε·ŝ₁/gap with gap = ŝ_r − ŝ_{r+1},
 *                     so its allowance is the tolerance times max(1, ŝ₁/gap).
 * QR measures: reconstruction of Wᵀ = Q·R, orthogonality of Q, and max |R − R̂| / max|R̂| with both
 *   R's diagonals made non-negative (the QR is then unique for full-rank W).
 */
package dev.spectune.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DecompositionCheck {
    private DecompositionCheck() {}

    public record SvdReport(double singularValues, double reconstruction, double orthogonality,
                            double leftSubspaceSine, double rightSubspaceSine, double subspaceAllowanceFactor) {
        public boolean within(double tolerance) {
            double subspaceTolerance = tolerance * subspaceAllowanceFactor;
            return singularValues <= tolerance && reconstruction <= tolerance && orthogonality <= tolerance
                    && leftSubspaceSine <= subspaceTolerance && rightSubspaceSine <= subspaceTolerance;
        }

        public double worst() {
            return Math.max(Math.max(singularValues, reconstruction), Math.max(orthogonality,
                    Math.max(leftSubspaceSine, rightSubspaceSine) / subspaceAllowanceFactor));
        }
    }

    public record QrReport(double reconstruction, double orthogonality, double triangularFactor) {
        public boolean within(double tolerance) {
            return reconstruction <= tolerance && orthogonality <= tolerance && triangularFactor <= tolerance;
        }

        public double worst() {
            return Math.max(reconstruction, Math.max(orthogonality, triangularFactor));
        }
    }

    /** The EJML SVD of W in double, compact, singular values descending: the oracle. */
    public static Svd ejmlSvd(INDArray w) {
        Matrices.requireMatrix(w, "SVD input");
        int m = (int) w.rows(), n = (int) w.columns();
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(new DMatrixRMaj(m, n, true, Matrices.rowMajor(w)))) throw new IllegalStateException("EJML SVD did not converge on " + m + "x" + n);
        DMatrixRMaj u = svd.getU(null, false), s = svd.getW(null), v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, s, v, false);
        int k = Math.min(m, n);
        double[] values = new double[k];
        for (int i = 0; i < k; i++) values[i] = s.get(i, i);
        DMatrixRMaj vt = CommonOps_DDRM.transpose(v, null);
        return new Svd(Matrices.fromRowMajor(u.getData().clone(), m, k, DataType.DOUBLE),
                org.nd4j.linalg.factory.Nd4j.createFromArray(values),
                Matrices.fromRowMajor(vt.getData().clone(), k, n, DataType.DOUBLE));
    }

    /** max |QᵀQ − I| for Q [m, n], m ≥ n, computed by EJML in double (the oracle's orthogonality check). */
    public static double ejmlOrthogonalityError(INDArray q) {
        Matrices.requireMatrix(q, "orthogonality input");
        int m = (int) q.rows(), n = (int) q.columns();
        DMatrixRMaj a = new DMatrixRMaj(m, n, true, Matrices.rowMajor(q));
        DMatrixRMaj gram = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransA(a, a, gram);
        CommonOps_DDRM.subtractEquals(gram, CommonOps_DDRM.identity(n));
        return CommonOps_DDRM.elementMaxAbs(gram);
    }

    /** Compares a candidate SVD of W with EJML's; r is the subspace dimension compared (clamped to min(m, n) − 1). */
    public static SvdReport checkSvd(INDArray w, Svd candidate, int r) {
        Svd oracle = ejmlSvd(w);
        double[] s = candidate.s().toDoubleVector(), o = oracle.s().toDoubleVector();
        if (s.length != o.length) throw new IllegalArgumentException("candidate has " + s.length + " singular values, W has " + o.length);
        double sv = 0;
        for (int i = 0; i < s.length; i++) sv = Math.max(sv, Math.abs(s[i] - o[i]));
        sv = o[0] == 0 ? sv : sv / o[0];
        Svd d = new Svd(candidate.u().castTo(DataType.DOUBLE), candidate.s().castTo(DataType.DOUBLE), candidate.vt().castTo(DataType.DOUBLE));
        double reconstruction = Matrices.relativeError(d.reconstruct(), w.castTo(DataType.DOUBLE));
        double orthogonality = Math.max(Matrices.orthogonalityError(d.u()), Matrices.orthogonalityError(d.vt().transpose()));
        int dim = Math.max(1, Math.min(r, o.length - 1));
        double gap = dim < o.length ? o[dim - 1] - o[dim] : o[dim - 1];
        double factor = gap <= 0 ? Double.POSITIVE_INFINITY : Math.max(1, o[0] / gap);
        double left = Spectra.largestAngleSine(Spectra.leftColumns(d, dim), Spectra.leftColumns(oracle, dim));
        double right = Spectra.largestAngleSine(Spectra.rightColumns(d, dim), Spectra.rightColumns(oracle, dim));
        return new SvdReport(sv, reconstruction, orthogonality, left, right, factor);
    }

    /**
     * Compares the thin QR of Wᵀ (what SODA-QR decomposes) with EJML's Householder QR; when Wᵀ is
     * wide (W tall) the QR of W itself, as SODA-QR's tall-weight form uses.
     */
    public static QrReport checkQrOfTranspose(INDArray w) {
        Matrices.requireMatrix(w, "QR input");
        INDArray a = w.rows() <= w.columns() ? w.transpose().dup('c') : w.dup('c');   // [rows ≥ cols]
        Qr.QR candidate = Qr.qr(a);
        int m = (int) a.rows(), n = (int) a.columns(), k = Math.min(m, n);
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(new DMatrixRMaj(m, n, true, Matrices.rowMajor(a)))) throw new IllegalStateException("EJML QR failed on " + m + "x" + n);
        DMatrixRMaj r = qr.getR(null, true);                                      // [n, n]
        double[] rd = r.getData();
        for (int i = 0; i < k; i++) {
            if (rd[i * n + i] < 0) for (int j = 0; j < n; j++) rd[i * n + j] = -rd[i * n + j];
        }
        INDArray oracleR = Matrices.fromRowMajor(rd.clone(), k, n, DataType.DOUBLE);
        INDArray q = candidate.q().castTo(DataType.DOUBLE), cr = candidate.r().castTo(DataType.DOUBLE);
        double reconstruction = Matrices.relativeError(q.mmul(cr), a.castTo(DataType.DOUBLE));
        double orthogonality = Matrices.orthogonalityError(q);
        double scale = oracleR.amaxNumber().doubleValue();
        double triangular = cr.sub(oracleR).amaxNumber().doubleValue() / (scale == 0 ? 1 : scale);
        return new QrReport(reconstruction, orthogonality, triangular);
    }
}
