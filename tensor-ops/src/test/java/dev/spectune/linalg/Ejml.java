/* Ejml: conversions between INDArray and EJML's DMatrixRMaj for the oracle tests. */
package dev.spectune.linalg;

import org.ejml.data.DMatrixRMaj;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class Ejml {
    private Ejml() {}

    static DMatrixRMaj of(INDArray a) {
        return new DMatrixRMaj((int) a.rows(), (int) a.columns(), true, Matrices.rowMajor(a));
    }

    static INDArray nd(DMatrixRMaj m) {
        return Matrices.fromRowMajor(m.getData().clone(), m.numRows, m.numCols, DataType.DOUBLE);
    }
}
