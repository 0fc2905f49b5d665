/*
 * SafetensorsWeights: a WeightSource over safetensors files whose keys are already diffusers names
 * (a diffusers component folder), possibly sharded over several files by an index.json. Pre-0.14
 * VAE attention names are modernised on the way in.
 */
package dev.spectune.checkpoint;

import dev.spectune.checkpoint.names.NameMapping;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class SafetensorsWeights implements WeightSource {

    private final String description;
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
    private final Map<String, String> storedName = new LinkedHashMap<>();

    private SafetensorsWeights(String description) {
        this.description = description;
    }

    /** One or more files holding disjoint keys; {@code modernizeVaeNames} renames old VAE attention keys. */
    public static SafetensorsWeights open(String description, List<Path> paths, boolean modernizeVaeNames) {
        SafetensorsWeights w = new SafetensorsWeights(description);
        try {
            for (Path p : paths) {
                SafetensorsFile f = TensorFiles.open(p);
                w.files.add(f);
                for (String name : f.names()) {
                    String key = modernizeVaeNames ? NameMapping.modernizeVaeKey(name) : name;
                    if (w.fileOf.put(key, f) != null) {
                        throw new CheckpointException(p + ": weight '" + key + "' appears twice (in " + p.getFileName() + " and another shard)");
                    }
                    w.storedName.put(key, name);
                }
            }
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Set<String> keys() {
        return fileOf.keySet();
    }

    private SafetensorsFile file(String key) {
        SafetensorsFile f = fileOf.get(key);
        if (f == null) throw new CheckpointException(description + ": no weight '" + key + "'");
        return f;
    }

    @Override
    public long[] shape(String key) {
        return file(key).info(storedName.get(key)).shape();
    }

    @Override
    public INDArray read(String key, DataType type) {
        return file(key).read(storedName.get(key), type);
    }

    @Override
    public String storedDtype(String key) {
        return file(key).info(storedName.get(key)).dtype().name();
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
    }
}
