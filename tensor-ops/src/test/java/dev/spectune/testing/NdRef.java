/*
 * NdRef: conversions between the reference ops' RefTensor and ND4J arrays, and the comparison
 * the op tests use (max |a − b| relative to max |b|).
 */
package dev.spectune.testing;

import dev.spectune.ops.reference.RefTensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class NdRef {
    private NdRef() {}

    public static INDArray toNd(RefTensor t) {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) shape[i] = t.shape()[i];
        return Nd4j.createFromArray(t.data().clone()).reshape('c', shape).castTo(DataType.DOUBLE);
    }

    public static RefTensor fromNd(INDArray a) {
        long[] s = a.shape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = Math.toIntExact(s[i]);
        return new RefTensor(shape, a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
    }

    /** max |actual − expected| / max |expected|; fails on a shape mismatch. */
    public static double relativeMaxError(INDArray actual, RefTensor expected) {
        RefTensor a = fromNd(actual);
        if (!java.util.Arrays.equals(a.shape(), expected.shape())) {
            throw new AssertionError("shape " + java.util.Arrays.toString(a.shape()) + " != expected "
                    + java.util.Arrays.toString(expected.shape()));
        }
        double diff = 0;
        for (int i = 0; i < a.size(); i++) diff = Math.max(diff, Math.abs(a.data()[i] - expected.data()[i]));
        double scale = expected.maxAbs();
        return scale == 0 ? diff : diff / scale;
    }
}
