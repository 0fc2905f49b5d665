/*
 * TensorInfo: one header entry — name, dtype, shape and the [begin, end) byte span within the
 * data section. The constructor checks the span against shape × dtype.
 */
package dev.spectune.checkpoint.safetensors;

import java.util.Arrays;

public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "' has a negative dim in " + Arrays.toString(shape));
        }
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor '" + name + "' has data_offsets [" + begin + ", " + end + "]");
        }
        long expected = Math.multiplyExact(elementCount(shape), dtype.bytes());
        if (end - begin != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dtype + " " + Arrays.toString(shape) + " needs "
                    + expected + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public long byteLength() {
        return end - begin;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
