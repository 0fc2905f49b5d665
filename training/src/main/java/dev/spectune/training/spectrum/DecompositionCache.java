/*
 * DecompositionCache: SVDs of a model's weights kept in one safetensors file, so that spectrum
 * reports and adapter initialisation do not repeat the decompositions.
 *
 * Layout: for each weight key K the tensors "K.U" [m, k], "K.S" [k], "K.Vt" [k, n] (F64 or F32, the
 * precision they were computed in), and the metadata entry "K.sha256": the SHA-256 of the weight's
 * values as little-endian float64, so that an entry computed for other weights is recognised as
 * stale. The file is written to a temporary name and renamed.
 */
package dev.spectune.training.spectrum;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.linalg.Svd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DecompositionCache {
    private DecompositionCache() {}

    /** One cached decomposition and the hash of the weight it was computed from. */
    public record Entry(Svd svd, String weightSha256) {}

    public static Map<String, Entry> read(Path file) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                if (!name.endsWith(".S")) continue;
                String key = name.substring(0, name.length() - 2);
                for (String part : List.of(".U", ".Vt")) {
                    if (!f.contains(key + part)) throw new CheckpointException(file + ": decomposition of '" + key + "' lacks tensor '" + key + part + "'");
                }
                String hash = f.metadata().get(key + ".sha256");
                if (hash == null) throw new CheckpointException(file + ": decomposition of '" + key + "' lacks metadata '" + key + ".sha256'");
                DataType type = f.info(name).dtype() == DType.F64 ? DataType.DOUBLE : DataType.FLOAT;
                entries.put(key, new Entry(new Svd(f.read(key + ".U", type), f.read(key + ".S", type), f.read(key + ".Vt", type)), hash));
            }
        }
        return entries;
    }

    public static void write(Path file, Map<String, Entry> entries) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "spectune-decomposition-cache");
        for (var e : entries.entrySet()) {
            Svd svd = e.getValue().svd();
            DType dtype = svd.s().dataType() == DataType.DOUBLE ? DType.F64 : DType.F32;
            tensors.add(Tensor.of(e.getKey() + ".U", svd.u(), dtype));
            tensors.add(Tensor.of(e.getKey() + ".S", svd.s(), dtype));
            tensors.add(Tensor.of(e.getKey() + ".Vt", svd.vt(), dtype));
            metadata.put(e.getKey() + ".sha256", e.getValue().weightSha256());
        }
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /** SHA-256 of W's values as little-endian float64, row-major. */
    public static String hashOf(INDArray w) {
        double[] values = w.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) buffer.putDouble(v);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buffer.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
