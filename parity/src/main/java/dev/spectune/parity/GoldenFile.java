/*
 * GoldenFile: one golden safetensors file, as the upstream generators wrote it, that a parity
 * runner must account for in full. Every tensor the runner reads — as an input it feeds, or as an
 * expected value it compares — is marked; when the file is closed, each tensor left unmarked
 * becomes a FAIL line of the report that opened it ("not interpreted by this runner"), so a runner
 * that does not know a name in a generator's new output fails by that name instead of passing
 * silently. Shapes can be looked at without marking (sizes are read from the file, not assumed).
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class GoldenFile implements AutoCloseable {

    private final SafetensorsFile file;
    private final ParityReport report;
    private final Set<String> used = new LinkedHashSet<>();

    GoldenFile(Path path, ParityReport report) {
        if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": no such golden file");
        this.file = SafetensorsFile.open(path);
        this.report = report;
    }

    public Path path() {
        return file.path();
    }

    /** The file's name, for report lines ("io.safetensors"). */
    public String fileName() {
        return file.path().getFileName().toString();
    }

    public boolean has(String name) {
        return file.contains(name);
    }

    /** Every tensor name, in the file's order. */
    public List<String> names() {
        return file.names();
    }

    /** A tensor, marked as interpreted; a missing one is an error naming the file and the tensor. */
    public INDArray get(String name, DataType type) {
        if (!file.contains(name)) throw new CheckpointException(file.path() + ": no tensor '" + name + "'");
        used.add(name);
        return file.read(name, type);
    }

    /** A tensor's value without marking it (e.g. to derive a scale from all gradients). */
    public INDArray peek(String name, DataType type) {
        if (!file.contains(name)) throw new CheckpointException(file.path() + ": no tensor '" + name + "'");
        return file.read(name, type);
    }

    /** A metadata value the runner cannot do without: an error naming the file and the key when it is absent. */
    public String requireMetadata(String key) {
        String v = file.metadata().get(key);
        if (v == null) throw new CheckpointException(file.path() + ": no '" + key + "' in the metadata");
        return v;
    }

    /** A tensor's shape, without marking it. */
    public long[] shape(String name) {
        if (!file.contains(name)) throw new CheckpointException(file.path() + ": no tensor '" + name + "'");
        return file.info(name).shape();
    }

    /** Marks a tensor as interpreted without reading it (e.g. a flag the runner checks by name only). */
    public void use(String name) {
        get(name, DataType.DOUBLE);
    }

    /** A metadata value, or null. */
    public String metadata(String key) {
        return file.metadata().get(key);
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    /** The tensors not read so far. */
    public List<String> unused() {
        return file.names().stream().filter(n -> !used.contains(n)).toList();
    }

    /** Reports every tensor the runner did not interpret as a failure, then closes the file. */
    @Override
    public void close() {
        try {
            for (String name : unused()) report.uninterpreted(fileName() + ": " + name);
        } finally {
            file.close();
        }
    }
}
