/*
 * Lapack: the few LAPACK routines spectune calls (gesdd, geqrf/orgqr, gesv), through the OpenBLAS
 * that javacpp bundles for ND4J. Row-major arrays in, row-major arrays out; every call checks
 * LAPACK's info code. Single and double precision share the code path by a precision flag.
 *
 * Measured here: OpenBLAS 0.3.19's threaded LU (gesv, n ≥ 20) crashes the JVM when ND4J shares
 * the library, so every routine but gesdd runs with OpenBLAS pinned to one thread (restored after).
 * The small matrices these routines see (Kronecker factors, r×r blocks) gain nothing from threads.
 */
package dev.spectune.linalg;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.openblas.global.openblas;

final class Lapack {
    private Lapack() {}

    private static final int ROW_MAJOR = openblas.LAPACK_ROW_MAJOR;

    /** Thin SVD result, row-major: u [m, k], s [k] descending, vt [k, n]. */
    record SvdArrays(double[] u, double[] s, double[] vt) {}

    /** Thin QR result, row-major: q [m, k] with orthonormal columns, r [k, n] upper triangular. */
    record QrArrays(double[] q, double[] r) {}

    static SvdArrays gesdd(double[] a, int m, int n, boolean single) {
        int k = Math.min(m, n);
        double[] u = new double[m * k], s = new double[k], vt = new double[k * n];
        int info;
        if (single) {
            try (FloatPointer pa = new FloatPointer(toFloat(a)); FloatPointer ps = new FloatPointer(k);
                 FloatPointer pu = new FloatPointer((long) m * k); FloatPointer pvt = new FloatPointer((long) k * n)) {
                info = openblas.LAPACKE_sgesdd(ROW_MAJOR, (byte) 'S', m, n, pa, n, ps, pu, k, pvt, n);
                copy(pu, u); copy(ps, s); copy(pvt, vt);
            }
        } else {
            try (DoublePointer pa = new DoublePointer(a); DoublePointer ps = new DoublePointer(k);
                 DoublePointer pu = new DoublePointer((long) m * k); DoublePointer pvt = new DoublePointer((long) k * n)) {
                info = openblas.LAPACKE_dgesdd(ROW_MAJOR, (byte) 'S', m, n, pa, n, ps, pu, k, pvt, n);
                pu.get(u); ps.get(s); pvt.get(vt);
            }
        }
        check("gesdd", info, m, n);
        return new SvdArrays(u, s, vt);
    }

    /** Thin QR of a [m, n] with m ≥ n. */
    static QrArrays geqrf(double[] a, int m, int n, boolean single) {
        return singleThreaded(() -> geqrfUnpinned(a, m, n, single));
    }

    private static QrArrays geqrfUnpinned(double[] a, int m, int n, boolean single) {
        if (m < n) throw new IllegalArgumentException("thin QR needs rows >= cols, got " + m + "x" + n);
        double[] factored = new double[m * n];
        double[] r = new double[n * n];
        int info;
        if (single) {
            try (FloatPointer pa = new FloatPointer(toFloat(a)); FloatPointer tau = new FloatPointer(n)) {
                info = openblas.LAPACKE_sgeqrf(ROW_MAJOR, m, n, pa, n, tau);
                check("geqrf", info, m, n);
                copyUpper(pa, r, n);
                info = openblas.LAPACKE_sorgqr(ROW_MAJOR, m, n, n, pa, n, tau);
                copy(pa, factored);
            }
        } else {
            try (DoublePointer pa = new DoublePointer(a); DoublePointer tau = new DoublePointer(n)) {
                info = openblas.LAPACKE_dgeqrf(ROW_MAJOR, m, n, pa, n, tau);
                check("geqrf", info, m, n);
                double[] tmp = new double[m * n];
                pa.get(tmp);
                for (int i = 0; i < n; i++) for (int j = i; j < n; j++) r[i * n + j] = tmp[i * n + j];
                info = openblas.LAPACKE_dorgqr(ROW_MAJOR, m, n, n, pa, n, tau);
                pa.get(factored);
            }
        }
        check("orgqr", info, m, n);
        return new QrArrays(factored, r);
    }

    /** Solves A X = B for square A [n, n] and B [n, nrhs]. */
    static double[] gesv(double[] a, double[] b, int n, int nrhs, boolean single) {
        return singleThreaded(() -> gesvUnpinned(a, b, n, nrhs, single));
    }

    private static double[] gesvUnpinned(double[] a, double[] b, int n, int nrhs, boolean single) {
        double[] x = new double[n * nrhs];
        int info;
        if (single) {
            try (FloatPointer pa = new FloatPointer(toFloat(a)); FloatPointer pb = new FloatPointer(toFloat(b));
                 IntPointer ipiv = new IntPointer(n)) {
                info = openblas.LAPACKE_sgesv(ROW_MAJOR, n, nrhs, pa, n, ipiv, pb, nrhs);
                copy(pb, x);
            }
        } else {
            try (DoublePointer pa = new DoublePointer(a); DoublePointer pb = new DoublePointer(b);
                 IntPointer ipiv = new IntPointer(n)) {
                info = openblas.LAPACKE_dgesv(ROW_MAJOR, n, nrhs, pa, n, ipiv, pb, nrhs);
                pb.get(x);
            }
        }
        check("gesv", info, n, n);
        return x;
    }

    private static synchronized <T> T singleThreaded(java.util.function.Supplier<T> call) {
        int threads = openblas.blas_get_num_threads();
        openblas.blas_set_num_threads(1);
        try {
            return call.get();
        } finally {
            openblas.blas_set_num_threads(threads);
        }
    }

    private static void check(String routine, int info, int m, int n) {
        if (info < 0) throw new IllegalArgumentException(routine + ": argument " + (-info) + " is invalid (" + m + "x" + n + ")");
        if (info > 0) throw new ArithmeticException(routine + " failed on a " + m + "x" + n + " matrix (info " + info
                + "): " + ("gesv".equals(routine) ? "the matrix is singular" : "no convergence"));
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static void copy(FloatPointer p, double[] out) {
        float[] f = new float[out.length];
        p.get(f);
        for (int i = 0; i < f.length; i++) out[i] = f[i];
    }

    private static void copyUpper(FloatPointer p, double[] r, int n) {
        float[] f = new float[n * n];   // the first n rows of the row-major [m, n] result
        p.get(f);
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) r[i * n + j] = f[i * n + j];
    }
}
