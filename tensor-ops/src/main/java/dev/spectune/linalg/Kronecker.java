/*
 * Kronecker: products R = Q1 ⊗ Q2 ⊗ … ⊗ Qm of small factors Qi [ki, ki], and their application
 * to vectors without forming R (SODA's rotation R has Π ki = in, e.g. 1280 = 4·16·20).
 *
 * For row-major vectorisation, (A ⊗ B)·vec(X) = vec(A·X·Bᵀ): reshaping each input row to a tensor
 * [k1, …, km] and multiplying mode i by Qi applies R with Σ ki·(Π k) flops instead of (Π k)².
 */
package dev.spectune.linalg;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Kronecker {
    private Kronecker() {}

    /** The full product Q1 ⊗ … ⊗ Qm: [Π ki, Π ki]. For tests and small sizes only. */
    public static INDArray product(INDArray... factors) {
        INDArray result = factors[0];
        for (int f = 1; f < factors.length; f++) result = pair(result, factors[f]);
        return result;
    }

    private static INDArray pair(INDArray a, INDArray b) {
        long ar = a.rows(), ac = a.columns(), br = b.rows(), bc = b.columns();
        INDArray out = Nd4j.create(a.dataType(), ar * br, ac * bc);
        for (long i = 0; i < ar; i++) {
            for (long j = 0; j < ac; j++) {
                out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i * br, (i + 1) * br),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(j * bc, (j + 1) * bc))
                        .assign(b.mul(a.getDouble(i, j)));
            }
        }
        return out;
    }

    /**
     * Applies R = Q1 ⊗ … ⊗ Qm to every row: returns X·Rᵀ.
     *
     * @param x [N, Π ki]
     * @return [N, Π ki]
     */
    public static INDArray applyToRows(INDArray x, INDArray... factors) {
        int m = factors.length;
        long[] dims = new long[m + 1];
        dims[0] = x.rows();
        long total = 1;
        for (int i = 0; i < m; i++) {
            Matrices.requireSquare(factors[i], "Kronecker factor " + i);
            dims[i + 1] = factors[i].rows();
            total *= dims[i + 1];
        }
        if (total != x.columns()) {
            throw new IllegalArgumentException("Kronecker factors " + Arrays.toString(Arrays.copyOfRange(dims, 1, m + 1))
                    + " multiply to " + total + " but rows have " + x.columns() + " entries");
        }
        INDArray t = x.dup('c').reshape('c', dims);                               // [N, k1, …, km]
        for (int i = 0; i < m; i++) t = modeProduct(t, factors[i], i + 1);
        return t.reshape('c', x.rows(), total);                                   // [N, Π ki]
    }

    /** Multiplies tensor t along {@code axis} by q: t'[…, a, …] = Σ_j q[a, j]·t[…, j, …]. */
    static INDArray modeProduct(INDArray t, INDArray q, int axis) {
        int rank = t.rank();
        int[] toLast = new int[rank];
        for (int i = 0, p = 0; i < rank; i++) if (i != axis) toLast[p++] = i;
        toLast[rank - 1] = axis;
        INDArray moved = t.permute(toLast).dup('c');                             // [..., k_axis]
        long[] movedShape = moved.shape();
        INDArray product = moved.reshape('c', -1, q.columns()).mmul(q.transpose()); // [rest, k_axis]
        INDArray back = product.reshape('c', movedShape);
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[toLast[i]] = i;
        return back.permute(inverse).dup('c');
    }
}
