/*
 * TrainingCheckpoint: everything a run needs to continue bit-identically, in one folder
 * <run>/checkpoints/checkpoint-<step>/:
 *
 *   state.safetensors   "param/<name>" every adapter parameter (stored dtype kept), "<optimizer>/<state key>"
 *                       every optimizer state tensor; metadata: step, optimizer scalars and the loss log
 *                       as JSON, and the run's settings fingerprint
 *   adapter/            the adapter as `sample --adapter` reads it (AdapterDirectory)
 *
 * The random state is the step number: each step draws from a generator seeded by (seed, step), so
 * nothing else needs saving. Crash safety: the folder is assembled under a hidden temporary name and
 * renamed into place in one atomic step, so a run killed while writing leaves the previous
 * checkpoints untouched and at worst a ".tmp-" folder that readers ignore and the next write removes.
 * Only the newest K checkpoints are kept (accelerate's total_limit).
 */
package dev.spectune.training.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class TrainingCheckpoint {
    private TrainingCheckpoint() {}

    public static final String STATE = "state.safetensors", PREFIX = "checkpoint-", TEMP_PREFIX = ".tmp-";

    /** What a checkpoint holds: the number of completed steps, tensors by "param/…" and "<optimizer>/…", scalars, the log rows. */
    public record State(int completedSteps, Map<String, INDArray> tensors, Map<String, Double> scalars, List<double[]> log, String fingerprint) {}

    /** Writes checkpoint-&lt;completedSteps&gt; atomically; {@code adapterWriter} fills the adapter/ sub-folder. Returns the folder. */
    public static Path write(Path checkpointsDir, State state, AdapterWriter adapterWriter, int keepLast) throws IOException {
        Files.createDirectories(checkpointsDir);
        removeTemporaries(checkpointsDir);
        Path finalDir = checkpointsDir.resolve(String.format("%s%06d", PREFIX, state.completedSteps()));
        Path temp = Files.createTempDirectory(checkpointsDir, TEMP_PREFIX);
        List<Tensor> tensors = new ArrayList<>();
        state.tensors().forEach((k, v) -> tensors.add(Tensor.of(k, v, v.dataType() == DataType.DOUBLE ? DType.F64 : DType.F32)));
        ObjectMapper json = new ObjectMapper();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "spectune-training-checkpoint");
        metadata.put("completed_steps", Integer.toString(state.completedSteps()));
        metadata.put("scalars", json.writeValueAsString(state.scalars()));
        metadata.put("log", json.writeValueAsString(state.log()));
        metadata.put("fingerprint", state.fingerprint());
        SafetensorsWriter.write(temp.resolve(STATE), tensors, metadata);
        adapterWriter.write(temp.resolve("adapter"));
        if (Files.exists(finalDir)) deleteTree(finalDir);
        try {
            Files.move(temp, finalDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + temp + " to " + finalDir + " atomically", e);
        }
        prune(checkpointsDir, keepLast, state.fingerprint());
        return finalDir;
    }

    /** Writes the adapter folder of a checkpoint. */
    @FunctionalInterface
    public interface AdapterWriter {
        void write(Path adapterDir) throws IOException;
    }

    /** The complete checkpoint folders (a state file in place; temporary folders are ignored), newest first. */
    public static List<Path> newestFirst(Path checkpointsDir) throws IOException {
        if (!Files.isDirectory(checkpointsDir)) return List.of();
        try (Stream<Path> s = Files.list(checkpointsDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        }
    }

    /** The settings fingerprint a checkpoint was written with (its header alone is read), or empty when its state file is unreadable. */
    public static Optional<String> fingerprintOf(Path checkpointDir) {
        try (SafetensorsFile f = SafetensorsFile.open(checkpointDir.resolve(STATE))) {
            return Optional.ofNullable(f.metadata().get("fingerprint"));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The newest complete checkpoint folder, if any (temporary folders are ignored). */
    public static Optional<Path> latest(Path checkpointsDir) throws IOException {
        return newestFirst(checkpointsDir).stream().findFirst();
    }

    @SuppressWarnings("unchecked")
    public static State read(Path checkpointDir) throws IOException {
        Path file = checkpointDir.resolve(STATE);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> m = f.metadata();
            for (String key : List.of("completed_steps", "scalars", "log", "fingerprint")) {
                if (!m.containsKey(key)) throw new CheckpointException(file + ": metadata lacks '" + key + "'");
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (String n : f.names()) tensors.put(n, f.read(n, f.info(n).dtype() == DType.F64 ? DataType.DOUBLE : DataType.FLOAT));
            ObjectMapper json = new ObjectMapper();
            Map<String, Double> scalars = json.readValue(m.get("scalars"), new TypeReference<LinkedHashMap<String, Double>>() {});
            List<double[]> log = json.readValue(m.get("log"), new TypeReference<List<double[]>>() {});
            return new State(Integer.parseInt(m.get("completed_steps")), tensors, scalars, log, m.get("fingerprint"));
        }
    }

    /** Deletes all but the newest {@code keepLast} checkpoints of this run (same fingerprint); another run's, or unreadable ones, are left alone. */
    private static void prune(Path checkpointsDir, int keepLast, String fingerprint) throws IOException {
        if (keepLast <= 0) return;
        List<Path> ours = newestFirst(checkpointsDir).stream().filter(p -> fingerprintOf(p).filter(fingerprint::equals).isPresent()).toList();
        for (int i = keepLast; i < ours.size(); i++) deleteTree(ours.get(i));
    }

    private static void removeTemporaries(Path checkpointsDir) throws IOException {
        try (Stream<Path> s = Files.list(checkpointsDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) deleteTree(p);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
