/*
 * StiefelParam: one matrix parameter as the Stiefel optimizers see it — tall (n ≥ m), the stored
 * parameter being transposed in and out when it is wide — with its momentum buffers.
 */
package dev.spectune.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

final class StiefelParam {
    final INDArray stored;      // the parameter as the model holds it (updated in place)
    final boolean transposed;   // stored is wide: the optimizer works on its transpose
    INDArray y, v, pY, pV;      // skew momentum [m, m], normal momentum [n, m], Adam second moments
    int lastRootInverseIterations;

    StiefelParam(INDArray stored) {
        if (stored.rank() != 2) throw new IllegalArgumentException("Stiefel parameters are matrices, got shape " + java.util.Arrays.toString(stored.shape()));
        this.stored = stored;
        this.transposed = stored.rows() < stored.columns();
    }

    INDArray x() {
        return transposed ? stored.transpose().dup('c') : stored.dup('c');
    }

    void write(INDArray x) {
        stored.assign(transposed ? x.transpose() : x);
    }

    boolean square() {
        return stored.rows() == stored.columns();
    }

    INDArray tallGradient(INDArray g) {
        return transposed ? g.transpose().dup('c') : g;
    }
}
