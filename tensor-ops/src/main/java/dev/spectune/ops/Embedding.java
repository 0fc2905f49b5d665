/*
 * Embedding: row lookup in an embedding table, mirroring torch.nn.Embedding (CLIP's token and
 * position embeddings).
 *
 * ND4J M2.1 defect (found by OpsTest): the gradient of gather is wrong when an id repeats — the
 * contributions of repeated rows are not summed. A trainable table is therefore looked up as a
 * one-hot matmul, onehot(ids)·table, whose gradient onehotᵀ·dY sums correctly; a constant table
 * (inference, frozen encoders) uses the cheap gather.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;

public final class Embedding {
    private Embedding() {}

    /**
     * @param table [V, D]
     * @param ids   [B, T] integer ids (INT or LONG)
     * @return [B, T, D]
     */
    public static SDVariable lookup(SameDiff sd, SDVariable table, SDVariable ids, long dim) {
        SDVariable flatIds = sd.reshape(ids, -1);                                        // [B·T]
        SDVariable rows;
        if (table.getVariableType() == VariableType.VARIABLE) {
            int vocab = (int) table.getShape()[0];
            SDVariable oneHot = sd.oneHot(null, flatIds, vocab, -1, 1.0, 0.0, table.dataType()); // [B·T, V]
            rows = sd.mmul(oneHot, table);                                               // [B·T, D]
        } else {
            rows = sd.gather(table, flatIds, 0);                                         // [B·T, D]
        }
        return Shapes.reshape(sd, rows, Shapes.of(sd, ids), Shapes.fixed(sd, dim));      // [B, T, D]
    }
}
