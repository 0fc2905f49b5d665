/*
 * Tensor: a named tensor ready to be written — dtype, shape and its raw little-endian bytes — with
 * encoders from Java arrays and INDArrays for every dtype.
 */
package dev.spectune.checkpoint.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public record Tensor(String name, DType dtype, long[] shape, byte[] data) {

    public Tensor {
        shape = shape.clone();
        long expected = Math.multiplyExact(TensorInfo.elementCount(shape), dtype.bytes());
        if (data.length != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dtype + " " + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + data.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Encodes an INDArray's values (c order) as {@code dtype}; floats are rounded to nearest for F16/BF16. */
    public static Tensor of(String name, INDArray array, DType dtype) {
        long[] shape = array.shape();
        INDArray c = array.dup('c');
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(c.length() * dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F64 -> { for (double v : c.castTo(DataType.DOUBLE).data().asDouble()) buf.putDouble(v); }
            case F32 -> { for (float v : c.castTo(DataType.FLOAT).data().asFloat()) buf.putFloat(v); }
            case F16 -> { for (float v : c.castTo(DataType.FLOAT).data().asFloat()) buf.putShort(Float.floatToFloat16(v)); }
            case BF16 -> { for (float v : c.castTo(DataType.FLOAT).data().asFloat()) buf.putShort(Bf16.fromFloat(v)); }
            case I64 -> { for (long v : c.castTo(DataType.LONG).data().asLong()) buf.putLong(v); }
            case I32 -> { for (int v : c.castTo(DataType.INT).data().asInt()) buf.putInt(v); }
            case I16 -> { for (long v : c.castTo(DataType.LONG).data().asLong()) buf.putShort((short) v); }
            case I8, U8 -> { for (long v : c.castTo(DataType.LONG).data().asLong()) buf.put((byte) v); }
            case BOOL -> { for (long v : c.castTo(DataType.LONG).data().asLong()) buf.put((byte) (v != 0 ? 1 : 0)); }
        }
        return new Tensor(name, dtype, shape, buf.array());
    }

    public static Tensor ofFloats(String name, float[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) buf.putFloat(v);
        return new Tensor(name, DType.F32, shape, buf.array());
    }

    public static Tensor ofLongs(String name, long[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) buf.putLong(v);
        return new Tensor(name, DType.I64, shape, buf.array());
    }
}
