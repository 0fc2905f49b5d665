/*
 * RefTensor: a dense row-major double tensor, the data type of the reference ops.
 */
package dev.spectune.ops.reference;

import java.util.Arrays;
import java.util.Random;

public record RefTensor(int[] shape, double[] data) {

    public RefTensor {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dim in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, found " + data.length);
        }
    }

    public static RefTensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new RefTensor(shape, new double[Math.toIntExact(n)]);
    }

    /** Standard normal entries times {@code scale}, from a seeded generator. */
    public static RefTensor randn(Random random, double scale, int... shape) {
        RefTensor t = zeros(shape);
        for (int i = 0; i < t.data.length; i++) t.data[i] = random.nextGaussian() * scale;
        return t;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public int size() {
        return data.length;
    }

    /** Row-major flat index of a full coordinate. */
    public int index(int... coordinate) {
        int flat = 0;
        for (int a = 0; a < shape.length; a++) flat = flat * shape[a] + coordinate[a];
        return flat;
    }

    public double get(int... coordinate) {
        return data[index(coordinate)];
    }

    public void set(double value, int... coordinate) {
        data[index(coordinate)] = value;
    }

    public double maxAbs() {
        double m = 0;
        for (double v : data) m = Math.max(m, Math.abs(v));
        return m;
    }

    public RefTensor reshape(int... newShape) {
        return new RefTensor(newShape, data);
    }
}
