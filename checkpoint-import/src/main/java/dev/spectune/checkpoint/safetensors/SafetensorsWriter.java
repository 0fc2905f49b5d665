/*
 * SafetensorsWriter: writes tensors and a "__metadata__" string map as a safetensors file. The
 * header is padded with spaces to a multiple of 8 bytes (as the reference writer does) and the
 * data section holds the tensors back to back in the order given. The file is written under a
 * temporary name in the same folder and renamed into place, so a crash never leaves a partial
 * file under the target name.
 */
package dev.spectune.checkpoint.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void write(Path target, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<Lazy> lazy = new ArrayList<>();
        for (Tensor t : tensors) lazy.add(new Lazy(t.name(), t.dtype(), t.shape(), t::data));
        writeLazily(target, lazy, metadata);
    }

    /** A tensor whose bytes are produced only when written (one at a time: a file larger than the Java heap). */
    public record Lazy(String name, DType dtype, long[] shape, Supplier<byte[]> data) {
        long byteLength() {
            return Math.multiplyExact(TensorInfo.elementCount(shape), dtype.bytes());
        }
    }

    /** As {@link #write}, asking each tensor for its bytes as it is written; a tensor of the wrong length fails by name. */
    public static void writeLazily(Path target, List<Lazy> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(Header.METADATA_KEY);
            new java.util.TreeMap<>(metadata).forEach(meta::put);                       // sorted: the same bytes in every JVM, whatever map was given
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Lazy t : tensors) {
            if (Header.METADATA_KEY.equals(t.name())) throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            if (!seen.add(t.name())) throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + t.byteLength());
            offset += t.byteLength();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) headerBytes[i] = ' ';

        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Lazy t : tensors) {
                    byte[] data = t.data().get();
                    if (data.length != t.byteLength()) {
                        throw new IllegalArgumentException("tensor '" + t.name() + "' " + t.dtype() + " " + java.util.Arrays.toString(t.shape())
                                + " needs " + t.byteLength() + " bytes, got " + data.length);
                    }
                    out.write(data);
                }
            } catch (IOException e) {                                                    // "No space left on device" names no file
                throw new IOException(target + ": writing failed (" + e.getMessage() + "); " + (Files.exists(target) ? "the previous file is kept" : "nothing was written"), e);
            }
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes UTF-8 text whole or not at all: a temporary file beside the target, renamed onto it (moveIntoPlace). */
    public static Path writeText(Path target, String text) throws IOException {
        Path temp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            Files.writeString(temp, text, java.nio.charset.StandardCharsets.UTF_8);
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    /**
     * Renames a finished temporary file onto its target (atomically where the file system can) and
     * gives it ordinary permissions (temporary files are created owner-only).
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep what it gave
        }
    }

    /** UTF-8 JSON of a header, for tests that craft files by hand. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
