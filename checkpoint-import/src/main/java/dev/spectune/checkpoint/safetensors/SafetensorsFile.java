/*
 * SafetensorsFile: a memory-mapped, read-only safetensors file whose tensors are decoded lazily by
 * name. Files of any size map through the foreign-memory API (a 4.3 GB SD-1.5 checkpoint is one
 * segment). Decoding to float or double handles F64, F32, F16, BF16 (decoded here in Java, as
 * ND4J's bf16 buffers are wrong), I64, I32, I16, I8, U8 and BOOL.
 */
package dev.spectune.checkpoint.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SafetensorsFile implements AutoCloseable {

    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Header header;
    private final long headerLength;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Header header, long headerLength) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
        this.headerLength = headerLength;
    }

    /** Opens and validates the header; tensor bytes are read only when asked for. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) throw new SafetensorsException(path, "file has " + size + " bytes, too short for the 8-byte header length");
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = whole.get(LONG_LE, 0);
            if (headerLength < 2 || headerLength > size - 8) {
                throw new SafetensorsException(path, "header length " + Long.toUnsignedString(headerLength) + " does not fit in a file of "
                        + size + " bytes (truncated or not safetensors)");
            }
            if (headerLength > Header.MAX_HEADER_BYTES) {
                throw new SafetensorsException(path, "header length " + headerLength + " exceeds the 100 MB limit");
            }
            byte[] json = whole.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + headerLength);
            Header header = Header.parse(path, json, data.byteSize());
            return new SafetensorsFile(path, arena, data, header, headerLength);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafetensorsException(path, "no such file");
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(header.tensors().keySet());
    }

    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) throw new SafetensorsException(path, "no tensor named '" + name + "' (" + header.tensors().size() + " tensors)");
        return t;
    }

    /** Size of the JSON header in bytes. */
    public long headerLength() {
        return headerLength;
    }

    /** The tensor's raw little-endian bytes. */
    public byte[] raw(String name) {
        return segment(info(name)).toArray(ValueLayout.JAVA_BYTE);
    }

    /** All elements decoded to double (exact for every dtype but I64 beyond 2^53). */
    public double[] doubles(String name) {
        TensorInfo t = info(name);
        MemorySegment s = segment(t);
        int n = count(t);
        double[] out = new double[n];
        switch (t.dtype()) {
            case F64 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(DOUBLE_LE, i); }
            case F32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(FLOAT_LE, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.getAtIndex(SHORT_LE, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Bf16.toFloat(s.getAtIndex(SHORT_LE, i)); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LONG_LE, i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(INT_LE, i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(SHORT_LE, i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, i)); }
        }
        return out;
    }

    /** All elements decoded to float (F64 and I64 rounded). */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        MemorySegment s = segment(t);
        int n = count(t);
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(FLOAT_LE, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.getAtIndex(SHORT_LE, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Bf16.toFloat(s.getAtIndex(SHORT_LE, i)); }
            default -> {
                double[] d = doubles(name);
                for (int i = 0; i < n; i++) out[i] = (float) d[i];
            }
        }
        return out;
    }

    /** Integer elements as long (I64, I32, I16, I8, U8, BOOL); floating types are refused. */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        if (t.dtype().isFloatingPoint()) {
            throw new SafetensorsException(path, "tensor '" + name + "' is " + t.dtype() + ", expected an integer type");
        }
        MemorySegment s = segment(t);
        int n = count(t);
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LONG_LE, i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(INT_LE, i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(SHORT_LE, i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            default -> { for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, i)); }
        }
        return out;
    }

    /** The tensor as a c-order INDArray of the requested type (FLOAT, DOUBLE, LONG, INT). */
    public INDArray read(String name, DataType type) {
        TensorInfo t = info(name);
        long[] shape = t.shape();
        INDArray flat = switch (type) {
            case DOUBLE -> Nd4j.createFromArray(doubles(name));
            case FLOAT -> Nd4j.createFromArray(floats(name));
            case LONG -> Nd4j.createFromArray(longs(name));
            case INT -> Nd4j.createFromArray(longs(name)).castTo(DataType.INT);
            case HALF, BFLOAT16 -> Nd4j.createFromArray(floats(name)).castTo(type);
            default -> throw new IllegalArgumentException("cannot decode '" + name + "' to " + type);
        };
        if (shape.length == 0) return flat.reshape();
        return flat.reshape('c', shape);
    }

    private MemorySegment segment(TensorInfo t) {
        return data.asSlice(t.begin(), t.byteLength());
    }

    private int count(TensorInfo t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path, "tensor '" + t.name() + "' has " + n + " elements, more than one Java array holds");
        }
        return (int) n;
    }

    @Override
    public void close() {
        arena.close();
    }
}
