/*
 * StiefelParam: one matrix parameter as the Stiefel optimizers see it — tall (n ≥ m), the stored
 * parameter being transposed in and out when it is wide — with its momentum buffers held as plain
 * double matrices. After every step the buffers are rounded to the parameter's precision, so that
 * saved state (in that precision) resumes bit for bit.
 */
package dev.spectune.optim;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

final class StiefelParam {
    final INDArray stored;      // the parameter as the model holds it (updated in place)
    final boolean transposed;   // stored is wide: the optimizer works on its transpose
    final int n, m;             // tall shape
    SmallMatrix y, v, pY, pV;   // skew momentum [m, m], normal momentum [n, m], Adam second moments
    int lastRootInverseIterations;

    StiefelParam(INDArray stored) {
        if (stored.rank() != 2) throw new IllegalArgumentException("Stiefel parameters are matrices, got shape " + java.util.Arrays.toString(stored.shape()));
        this.stored = stored;
        this.transposed = stored.rows() < stored.columns();
        this.n = (int) Math.max(stored.rows(), stored.columns());
        this.m = (int) Math.min(stored.rows(), stored.columns());
    }

    boolean square() {
        return n == m;
    }

    /** The parameter (or its transpose) as a tall matrix. */
    SmallMatrix x() {
        return tall(stored);
    }

    /**
     * A gradient in the parameter's layout, as a tall matrix. Element by element (the values widened
     * to double, as a cast would): the factors are small and many (SODA on 64 layers has ~200), and
     * a cast, a copy and a write-back through ND4J ops cost ~7 calls a factor, ~30 ms a step.
     */
    SmallMatrix tall(INDArray a) {
        if (a.rank() != 2 || a.size(0) != stored.size(0) || a.size(1) != stored.size(1)) {
            throw new IllegalArgumentException("gradient of shape " + java.util.Arrays.toString(a.shape()) + " for a parameter of shape "
                    + java.util.Arrays.toString(stored.shape()));
        }
        double[] values = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) values[i * m + j] = transposed ? a.getDouble(j, i) : a.getDouble(i, j);
        }
        return new SmallMatrix(n, m, values);
    }

    /** Writes X (tall) into the parameter, rounded to its precision (Java's double → float cast rounds to nearest, as ND4J's does). */
    void write(SmallMatrix x) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double value = x.a[i * m + j];
                if (transposed) stored.putScalar(j, i, value);
                else stored.putScalar(i, j, value);
            }
        }
    }

    /** Rounds a buffer to the parameter's precision (float parameters keep float-valued state). */
    SmallMatrix round(SmallMatrix b) {
        if (b != null && stored.dataType() != DataType.DOUBLE) {
            for (int i = 0; i < b.a.length; i++) b.a[i] = (float) b.a[i];
        }
        return b;
    }

    INDArray export(SmallMatrix b) {
        return b == null ? null : Nd4j.createFromArray(b.a.clone()).reshape('c', b.rows, b.cols).castTo(stored.dataType());
    }

    static SmallMatrix load(INDArray a) {
        return a == null ? null : new SmallMatrix((int) a.rows(), (int) a.columns(), a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }

    /** The buffers that exist, as "key/Y", "key/V", "key/pY", "key/pV" (the checkpoint form of both Stiefel optimizers). */
    void exportInto(String key, java.util.Map<String, INDArray> out) {
        if (y != null) out.put(key + "/Y", export(y));
        if (pY != null) out.put(key + "/pY", export(pY));
        if (v != null) out.put(key + "/V", export(v));
        if (pV != null) out.put(key + "/pV", export(pV));
    }

    /** Restores what {@link #exportInto} wrote; an absent buffer is reset (it is rebuilt on the next step). */
    void loadFrom(String key, java.util.Map<String, INDArray> tensors) {
        y = load(tensors.get(key + "/Y"));
        pY = load(tensors.get(key + "/pY"));
        v = load(tensors.get(key + "/V"));
        pV = load(tensors.get(key + "/pV"));
    }

    /** Newton–Schulz iterations of each parameter's last retraction. */
    static java.util.Map<String, Integer> lastIterations(java.util.Map<String, StiefelParam> state) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        state.forEach((k, p) -> out.put(k, p.lastRootInverseIterations));
        return out;
    }
}
