/*
 * Shapes: dynamic (in-graph) shape arithmetic for reshapes whose leading dims are not fixed.
 *
 * SameDiff does not always know an op output's static shape before execution, so ops that
 * reshape compute the target shape in the graph from shape(x): e.g. "all dims of x but the last,
 * then [out]". Every shape vector here is INT64.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

public final class Shapes {
    private Shapes() {}

    /** shape(x) as an INT64 vector: [rank]. */
    public static SDVariable of(SameDiff sd, SDVariable x) {
        return sd.shape(x).castTo(DataType.INT64);
    }

    /** shape(x)[from:to] (to exclusive; negative counts from the end, as in Python). */
    public static SDVariable dims(SameDiff sd, SDVariable x, int from, int to) {
        return sd.stridedSlice(of(sd, x), new long[] {from}, new long[] {to}, new long[] {1});
    }

    /** shape(x)[from:] */
    public static SDVariable dimsFrom(SameDiff sd, SDVariable x, int from, int rank) {
        return dims(sd, x, from, rank);
    }

    /** A constant INT64 shape piece, e.g. [heads, headDim] or [-1]. */
    public static SDVariable fixed(SameDiff sd, long... dims) {
        return sd.constant(Nd4j.createFromArray(dims));
    }

    /** Reshape x to the concatenation of the given INT64 shape pieces. */
    public static SDVariable reshape(SameDiff sd, SDVariable x, SDVariable... pieces) {
        SDVariable shape = pieces.length == 1 ? pieces[0] : sd.concat(0, pieces);
        return sd.reshape(x, shape);
    }
}
