/*
 * SafetensorsTest: round trips for every dtype, bf16/f16 decoding, and a crafted bad file for each
 * way a header can lie — each must fail with the library's own error naming the file and problem.
 */
package dev.spectune.checkpoint.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    void tensorsReadAfterOpeningAndRefusedByNameOnceClosed() throws IOException {
        Path file = dir.resolve("two.safetensors");
        Random r = new Random(5);
        SafetensorsWriter.write(file, List.of(new Tensor("a", DType.F32, new long[] {4}, randomBytes(r, 16)),
                new Tensor("b", DType.F16, new long[] {2, 2}, randomBytes(r, 8))), Map.of());
        SafetensorsFile f = SafetensorsFile.open(file);
        byte[] first = f.raw("a");
        assertThat(f.raw("a")).isEqualTo(first);                                     // each read maps and unmaps its bytes
        assertThat(f.floats("b")).hasSize(4);
        f.close();
        assertThatThrownBy(() -> f.raw("b")).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("two.safetensors").hasMessageContaining("'b'");
    }

    @Test
    void everyDtypeRoundTripsBitExactWithMetadata() throws IOException {
        Random r = new Random(3);
        List<Tensor> tensors = new ArrayList<>();
        for (DType d : DType.values()) {
            byte[] data = randomBytes(r, 6 * d.bytes());
            if (d == DType.BOOL) for (int i = 0; i < data.length; i++) data[i] = (byte) (data[i] & 1);
            tensors.add(new Tensor("t_" + d.name().toLowerCase(), d, new long[] {2, 3}, data));
        }
        tensors.add(new Tensor("scalar", DType.F32, new long[] {}, randomBytes(r, 4)));
        tensors.add(new Tensor("empty", DType.F16, new long[] {0, 3}, new byte[0]));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("note", "ünïcode ✓");
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, metadata);

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).hasSize(tensors.size());
            assertThat(f.metadata()).isEqualTo(metadata);
            assertThat((f.headerLength()) % 8).isZero();
            for (Tensor t : tensors) {
                assertThat(f.info(t.name()).dtype()).isEqualTo(t.dtype());
                assertThat(f.info(t.name()).shape()).isEqualTo(t.shape());
                assertThat(f.raw(t.name())).as(t.name()).isEqualTo(t.data());
            }
            assertThat(f.read("scalar", DataType.FLOAT).rank()).isZero();
            assertThat(f.read("empty", DataType.FLOAT).shape()).containsExactly(0, 3);
        }
        // Writing the read tensors again gives the same bytes.
        Path again = dir.resolve("again.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<Tensor> copy = new ArrayList<>();
            for (String n : f.names()) copy.add(new Tensor(n, f.info(n).dtype(), f.info(n).shape(), f.raw(n)));
            SafetensorsWriter.write(again, copy, f.metadata());
        }
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void valuesDecodeAndEncodeForEachFloatType() throws IOException {
        INDArray values = Nd4j.createFromArray(new double[] {1.0, -2.5, 0.1, 65504.0, -0.0, 3.140625}).reshape(2, 3);
        List<Tensor> tensors = List.of(Tensor.of("f64", values, DType.F64), Tensor.of("f32", values, DType.F32),
                Tensor.of("f16", values, DType.F16), Tensor.of("bf16", values, DType.BF16), Tensor.of("i64", values, DType.I64));
        Path file = dir.resolve("values.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.doubles("f64")).containsExactly(1.0, -2.5, 0.1, 65504.0, -0.0, 3.140625);
            assertThat(f.floats("f32")).containsExactly(1.0f, -2.5f, 0.1f, 65504.0f, -0.0f, 3.140625f);
            assertThat(f.floats("f16")).containsExactly(1.0f, -2.5f, Float.float16ToFloat(Float.floatToFloat16(0.1f)), 65504.0f, -0.0f, 3.140625f);
            assertThat(f.floats("bf16")).containsExactly(1.0f, -2.5f, 0.10009765625f, 65536.0f, -0.0f, 3.140625f);
            assertThat(f.longs("i64")).containsExactly(1, -2, 0, 65504, 0, 3);
            assertThat(f.read("f32", DataType.DOUBLE).shape()).containsExactly(2, 3);
            assertThatThrownBy(() -> f.longs("f32")).isInstanceOf(SafetensorsException.class).hasMessageContaining("integer");
            assertThatThrownBy(() -> f.info("nope")).isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("values.safetensors").hasMessageContaining("'nope'");
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Bf16.fromFloat(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Bf16.fromFloat(-2.5f)).isEqualTo((short) 0xC020);
        assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);   // tie, even stays
        assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);   // tie, odd rounds up
        assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN)))).isTrue();
    }

    @Test
    void writerRefusesDuplicatesAndLeavesNoPartialFile() throws IOException {
        Path file = dir.resolve("dup.safetensors");
        Tensor t = Tensor.ofFloats("a", new float[] {1}, 1);
        assertThatThrownBy(() -> SafetensorsWriter.write(file, List.of(t, t), Map.of())).hasMessageContaining("duplicate tensor name 'a'");
        assertThat(file).doesNotExist();
        try (var listing = Files.list(dir)) {
            assertThat(listing.toList()).isEmpty();
        }
    }

    @Test
    void tensorsBeyondTwoGibibytesAreRead() throws IOException {
        // A sparse file: a 2 GiB + 16 B padding tensor, then a small tensor whose bytes lie past 2^31.
        long pad = (1L << 31) + 16;
        String json = "{\"pad\": {\"dtype\": \"U8\", \"shape\": [" + pad + "], \"data_offsets\": [0, " + pad + "]},"
                + " \"tail\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [" + pad + ", " + (pad + 12) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            raf.write(header);
            raf.seek(8 + header.length + pad);
            raf.write(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3.25f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.floats("tail")).containsExactly(1.5f, -2f, 3.25f);
            assertThat(f.info("pad").byteLength()).isEqualTo(pad);
            assertThatThrownBy(() -> f.doubles("pad")).isInstanceOf(SafetensorsException.class).hasMessageContaining("more than one Java array holds");
        } finally {
            Files.delete(file);
        }
    }

    // ---- crafted bad files -------------------------------------------------------------------

    private Path craft(String name, String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        Path file = dir.resolve(name);
        Files.write(file, buf.array());
        return file;
    }

    private static void assertRejected(Path file, String... fragments) {
        assertThatThrownBy(() -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String n : f.names()) f.doubles(n);
            }
        }).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.getFileName().toString())
                .satisfies(e -> {
                    for (String fragment : fragments) assertThat(e.getMessage()).contains(fragment);
                });
    }

    @Test
    void truncatedFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, List.of(Tensor.ofFloats("w", new float[] {1, 2, 3, 4}, 2, 2)), Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("truncated.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertRejected(cut, "'w'", "past the data section");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertRejected(tiny, "too short");
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path file = dir.resolve("longheader.safetensors");
        ByteBuffer buf = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000);
        Files.write(file, buf.array());
        assertRejected(file, "header length 1000000", "does not fit");
        Path negative = dir.resolve("negative.safetensors");
        Files.write(negative, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array());
        assertRejected(negative, "does not fit");
    }

    @Test
    void malformedJson() throws IOException {
        assertRejected(craft("badjson.safetensors", "{\"w\": {\"dtype\": \"F32\", ", 0), "not valid JSON");
        assertRejected(craft("array.safetensors", "[1, 2]", 0), "not a JSON object");
        assertRejected(craft("noshape.safetensors", "{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4), "'w'", "shape");
        assertRejected(craft("meta.safetensors", "{\"__metadata__\": {\"a\": 1}}", 0), "__metadata__", "'a'");
        assertRejected(craft("negdim.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4), "non-negative");
    }

    @Test
    void unknownDtype() throws IOException {
        assertRejected(craft("dtype.safetensors", "{\"w\": {\"dtype\": \"Q4\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1),
                "'w'", "unknown dtype 'Q4'");
    }

    @Test
    void shapeTimesDtypeDisagreesWithSpan() throws IOException {
        assertRejected(craft("span.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 20),
                "'w'", "needs 24 bytes", "span 20");
    }

    @Test
    void overlappingOffsets() throws IOException {
        assertRejected(craft("overlap.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12), "overlaps");
    }

    @Test
    void outOfBoundsOffsets() throws IOException {
        assertRejected(craft("oob.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8),
                "'a'", "past the data section of 8 bytes");
    }

    @Test
    void holesAndTrailingBytes() throws IOException {
        assertRejected(craft("hole.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "hole");
        assertRejected(craft("trailing.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 8), "trailing");
    }

    @Test
    void duplicateNames() throws IOException {
        assertRejected(craft("dupnames.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "Duplicate field 'a'");
    }

    @Test
    void missingFile() {
        assertRejected(dir.resolve("absent.safetensors"), "no such file");
    }

    @Test
    void metadataIsWrittenInKeyOrderWhateverMapIsGiven() throws Exception {
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        java.util.Map<String, String> forward = new java.util.LinkedHashMap<>(), backward = new java.util.LinkedHashMap<>();
        for (String k : List.of("format", "spectune_method", "alpha")) forward.put(k, k.toUpperCase(java.util.Locale.ROOT));
        for (String k : List.of("alpha", "spectune_method", "format")) backward.put(k, k.toUpperCase(java.util.Locale.ROOT));
        List<Tensor> tensors = List.of(Tensor.ofFloats("w", new float[] {1, 2}, 2));
        SafetensorsWriter.write(a, tensors, forward);
        SafetensorsWriter.write(b, tensors, backward);
        assertThat(Files.readAllBytes(a)).as("same bytes").isEqualTo(Files.readAllBytes(b));
        String header = new String(Files.readAllBytes(a), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(header.indexOf("\"alpha\"")).isLessThan(header.indexOf("\"format\"")).isLessThan(header.indexOf("\"spectune_method\""));
    }
}
