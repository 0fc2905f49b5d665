/*
 * SmallMatrix: dense row-major double matrices for the Stiefel optimizers' per-factor algebra.
 * SODA's Kronecker factors are tiny (2×2 … 64×64) and there are hundreds of them; on such sizes
 * the fixed cost of an ND4J call dwarfs the arithmetic, so the optimizers work on plain arrays
 * (a few hundred nanoseconds per 8×8 product) and touch ND4J only to read gradients and write
 * parameters back.
 */
package dev.spectune.optim;

import java.util.Arrays;

final class SmallMatrix {
    final int rows, cols;
    final double[] a;

    SmallMatrix(int rows, int cols) {
        this(rows, cols, new double[rows * cols]);
    }

    SmallMatrix(int rows, int cols, double[] a) {
        if (a.length != rows * cols) throw new IllegalArgumentException(rows + "x" + cols + " needs " + rows * cols + " values, got " + a.length);
        this.rows = rows;
        this.cols = cols;
        this.a = a;
    }

    static SmallMatrix identity(int n) {
        SmallMatrix m = new SmallMatrix(n, n);
        for (int i = 0; i < n; i++) m.a[i * n + i] = 1;
        return m;
    }

    SmallMatrix copy() {
        return new SmallMatrix(rows, cols, a.clone());
    }

    double get(int i, int j) {
        return a[i * cols + j];
    }

    SmallMatrix transpose() {
        SmallMatrix t = new SmallMatrix(cols, rows);
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t.a[j * rows + i] = a[i * cols + j];
        return t;
    }

    SmallMatrix times(SmallMatrix b) {
        if (cols != b.rows) throw new IllegalArgumentException("cannot multiply " + rows + "x" + cols + " by " + b.rows + "x" + b.cols);
        SmallMatrix c = new SmallMatrix(rows, b.cols);
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double v = a[i * cols + k];
                if (v == 0) continue;
                int bo = k * b.cols, co = i * b.cols;
                for (int j = 0; j < b.cols; j++) c.a[co + j] += v * b.a[bo + j];
            }
        }
        return c;
    }

    /** this ← this·s (in place). */
    SmallMatrix scaleInPlace(double s) {
        for (int i = 0; i < a.length; i++) a[i] *= s;
        return this;
    }

    SmallMatrix scaled(double s) {
        return copy().scaleInPlace(s);
    }

    /** this ← this + s·b (in place). */
    SmallMatrix addInPlace(SmallMatrix b, double s) {
        for (int i = 0; i < a.length; i++) a[i] += s * b.a[i];
        return this;
    }

    SmallMatrix plus(SmallMatrix b, double s) {
        return copy().addInPlace(b, s);
    }

    double frobenius() {
        double s = 0;
        for (double v : a) s += v * v;
        return Math.sqrt(s);
    }

    /** A⁻¹·B by Gaussian elimination with partial pivoting (A square). */
    static SmallMatrix solve(SmallMatrix A, SmallMatrix B) {
        int n = A.rows, k = B.cols;
        double[] m = A.a.clone(), x = B.a.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
            if (m[pivot * n + col] == 0) throw new ArithmeticException("singular " + n + "x" + n + " matrix in a Stiefel step");
            if (pivot != col) {
                swapRows(m, n, pivot, col);
                swapRows(x, k, pivot, col);
            }
            for (int r = col + 1; r < n; r++) {
                double f = m[r * n + col] / m[col * n + col];
                if (f == 0) continue;
                for (int j = col; j < n; j++) m[r * n + j] -= f * m[col * n + j];
                for (int j = 0; j < k; j++) x[r * k + j] -= f * x[col * k + j];
            }
        }
        for (int col = n - 1; col >= 0; col--) {
            for (int j = 0; j < k; j++) {
                double s = x[col * k + j];
                for (int c = col + 1; c < n; c++) s -= m[col * n + c] * x[c * k + j];
                x[col * k + j] = s / m[col * n + col];
            }
        }
        return new SmallMatrix(n, k, x);
    }

    private static void swapRows(double[] m, int width, int r1, int r2) {
        for (int j = 0; j < width; j++) {
            double t = m[r1 * width + j];
            m[r1 * width + j] = m[r2 * width + j];
            m[r2 * width + j] = t;
        }
    }

    /** exp(A) by scaling and squaring with a Taylor series (as dev.spectune.linalg.MatrixExp). */
    static SmallMatrix exp(SmallMatrix A) {
        int n = A.rows;
        double norm1 = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += Math.abs(A.a[i * n + j]);
            norm1 = Math.max(norm1, s);
        }
        int squarings = norm1 <= 0.25 ? 0 : (int) Math.ceil(Math.log(norm1 / 0.25) / Math.log(2));
        SmallMatrix scaled = A.scaled(Math.pow(2, -squarings));
        SmallMatrix sum = identity(n), term = identity(n);
        for (int j = 1; j <= 30; j++) {
            term = term.times(scaled).scaleInPlace(1.0 / j);
            sum.addInPlace(term, 1);
            double max = 0;
            for (double v : term.a) max = Math.max(max, Math.abs(v));
            if (max < 1e-18) break;
        }
        for (int i = 0; i < squarings; i++) sum = sum.times(sum);
        return sum;
    }

    @Override
    public String toString() {
        return rows + "x" + cols + " " + Arrays.toString(a);
    }
}
