/*
 * WeightSvdCache: the SVDs adapters start from, kept on disk keyed by the SHA-256 of the weight's
 * values (DecompositionCache.hashOf) and its precision — one small safetensors file per weight,
 * "<sha256>-<F32|F64>.safetensors" holding U, S, Vt — so a second run on the same weights (any
 * folder, any copy of the model) reads them instead of decomposing again: SD-1.5's 128 attention
 * projections take ~23 s of gesdd on 2 cores. The folder is the system property spectune.cache.dir,
 * else $SPECTUNE_CACHE_DIR, else ~/.cache/spectune/svd (the model folder itself may be read-only,
 * and a shared copy must never be written to). A folder that cannot be written, or an unreadable
 * entry, falls back to a fresh gesdd with a warning. Entries are written to a temporary name and
 * renamed, so a crash leaves no half-written file.
 */
package dev.spectune.training.spectrum;

import dev.spectune.adapters.Decompositions;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.linalg.Svd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class WeightSvdCache implements Decompositions {

    private final Path dir;
    private int hits, misses;
    private boolean warned;

    public WeightSvdCache(Path dir) {
        this.dir = dir;
    }

    /** The cache in the configured folder (see the class comment). */
    public static WeightSvdCache standard() {
        String property = System.getProperty("spectune.cache.dir"), env = System.getenv("SPECTUNE_CACHE_DIR");
        Path base = property != null ? Path.of(property) : env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "spectune");
        return new WeightSvdCache(base.resolve("svd"));
    }

    public Path dir() {
        return dir;
    }

    public int hits() {
        return hits;
    }

    public int misses() {
        return misses;
    }

    @Override
    public synchronized Svd svd(String key, INDArray w0) {
        boolean f64 = w0.dataType() == DataType.DOUBLE;
        Path file = dir.resolve(DecompositionCache.hashOf(w0) + (f64 ? "-F64" : "-F32") + ".safetensors");
        if (Files.isRegularFile(file)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                Svd svd = new Svd(f.read("U", w0.dataType()), f.read("S", w0.dataType()), f.read("Vt", w0.dataType()));
                if (svd.u().rows() == w0.rows() && svd.vt().columns() == w0.columns()) {
                    hits++;
                    return svd;
                }
            } catch (RuntimeException e) {
                warn("unreadable SVD cache entry " + file + " (" + e.getMessage() + "); decomposing " + key + " again");
            }
        }
        misses++;
        Svd svd = Svd.of(w0);
        try {
            Files.createDirectories(dir);
            DType dtype = f64 ? DType.F64 : DType.F32;
            SafetensorsWriter.write(file, List.of(Tensor.of("U", svd.u(), dtype), Tensor.of("S", svd.s(), dtype), Tensor.of("Vt", svd.vt(), dtype)),
                    Map.of("format", "spectune-svd", "weight_sha256", file.getFileName().toString().substring(0, 64), "key", key));
        } catch (IOException | UncheckedIOException e) {
            warn("cannot write the SVD cache in " + dir + " (" + e.getMessage() + "); decompositions will not be kept");
        }
        return svd;
    }

    private void warn(String message) {
        if (warned) return;
        warned = true;
        System.err.println("warning: " + message);
    }
}
