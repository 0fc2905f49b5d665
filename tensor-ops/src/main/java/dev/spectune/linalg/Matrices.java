/*
 * Matrices: conversions between INDArray matrices and row-major double arrays, and the small
 * checks (orthogonality, relative error) that decompositions are judged by.
 */
package dev.spectune.linalg;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Matrices {
    private Matrices() {}

    /** Row-major copy of a rank-2 array, in double. */
    public static double[] rowMajor(INDArray a) {
        requireMatrix(a, "matrix");
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** A rank-2 array of the given type from row-major doubles. */
    public static INDArray fromRowMajor(double[] data, int rows, int cols, DataType type) {
        return Nd4j.createFromArray(data).reshape('c', rows, cols).castTo(type);
    }

    public static void requireMatrix(INDArray a, String what) {
        if (a.rank() != 2) {
            throw new IllegalArgumentException(what + " must be rank 2, found shape " + Arrays.toString(a.shape()));
        }
    }

    public static void requireSquare(INDArray a, String what) {
        requireMatrix(a, what);
        if (a.rows() != a.columns()) {
            throw new IllegalArgumentException(what + " must be square, found shape " + Arrays.toString(a.shape()));
        }
    }

    public static boolean isSinglePrecision(INDArray a) {
        return a.dataType() == DataType.FLOAT || a.dataType() == DataType.HALF || a.dataType() == DataType.BFLOAT16;
    }

    /** max |QᵀQ − I| for Q with orthonormal columns (use the transpose for orthonormal rows). */
    public static double orthogonalityError(INDArray q) {
        INDArray d = q.castTo(DataType.DOUBLE);
        INDArray gram = d.transpose().mmul(d);
        return gram.sub(Nd4j.eye(gram.rows()).castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** ‖a − b‖_F / ‖b‖_F (‖a − b‖_F when b is zero). */
    public static double relativeError(INDArray a, INDArray b) {
        INDArray da = a.castTo(DataType.DOUBLE), db = b.castTo(DataType.DOUBLE);
        double norm = db.norm2Number().doubleValue();
        double diff = da.sub(db).norm2Number().doubleValue();
        return norm == 0 ? diff : diff / norm;
    }
}
