/*
 * GoldenFolder: a folder in shared/golden's format — config.json, the model weights, and
 * io.safetensors with the inputs, outputs and activations the upstream code produced.
 */
package dev.spectune.model.parity;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public record GoldenFolder(Path folder, SafetensorsFile io) implements AutoCloseable {

    public static GoldenFolder open(Path folder) {
        Path io = folder.resolve("io.safetensors");
        if (!Files.isDirectory(folder)) throw new CheckpointException(folder + ": no such golden folder");
        if (!Files.isRegularFile(io)) throw new CheckpointException(folder + ": no io.safetensors (the golden inputs and outputs)");
        return new GoldenFolder(folder, SafetensorsFile.open(io));
    }

    public boolean has(String name) {
        return io.contains(name);
    }

    public INDArray get(String name, DataType type) {
        return io.read(name, type);
    }

    public List<String> names() {
        return io.names();
    }

    public String metadata(String key) {
        return io.metadata().get(key);
    }

    @Override
    public void close() {
        io.close();
    }
}
