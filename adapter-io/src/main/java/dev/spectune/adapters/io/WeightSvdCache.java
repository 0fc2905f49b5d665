/*
 * WeightSvdCache: the SVDs adapters start from, kept on disk keyed by the SHA-256 of the weight's
 * values (hashOf) and its precision — one small safetensors file per weight,
 * "<sha256>-<F32|F64>.safetensors" holding U, S, Vt — so a second run on the same weights (any
 * folder, any copy of the model) reads them instead of decomposing again: SD-1.5's 128 attention
 * projections take ~23 s of gesdd on 2 cores. The folder is the system property spectune.cache.dir,
 * else $SPECTUNE_CACHE_DIR, else ~/.cache/spectune/svd (the model folder itself may be read-only,
 * and a shared copy must never be written to). A folder that cannot be written, or an unreadable
 * entry, falls back to a fresh gesdd with a warning. Entries are written to a temporary name and
 * renamed, so a crash leaves no half-written file. The spectrum tools keep and verify decompositions
 * in the same format (`spectrum --cache DIR`, `verify-decomp --cache DIR`).
 */
package dev.spectune.adapters.io;

import dev.spectune.adapters.Decompositions;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.linalg.Svd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
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

    /** The file a weight's decomposition is kept in: its hash and precision. */
    public Path fileFor(INDArray w0) {
        return dir.resolve(hashOf(w0) + (w0.dataType() == DataType.DOUBLE ? "-F64" : "-F32") + ".safetensors");
    }

    /** The kept decomposition of W0, if there is a readable one of W0's shape. */
    public synchronized java.util.Optional<Svd> lookup(String key, INDArray w0) {
        Path file = fileFor(w0);
        if (!Files.isRegularFile(file)) return java.util.Optional.empty();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Svd svd = new Svd(f.read("U", w0.dataType()), f.read("S", w0.dataType()), f.read("Vt", w0.dataType()));
            if (svd.u().rows() == w0.rows() && svd.vt().columns() == w0.columns()) return java.util.Optional.of(svd);
            warn("SVD cache entry " + file + " has the wrong shape for " + key + "; decomposing again");
        } catch (RuntimeException e) {
            warn("unreadable SVD cache entry " + file + " (" + e.getMessage() + "); decomposing " + key + " again");
        }
        return java.util.Optional.empty();
    }

    /** Keeps W0's decomposition (written to a temporary name and renamed); a folder that cannot be written is warned about once. */
    public synchronized void store(String key, INDArray w0, Svd svd) {
        Path file = fileFor(w0);
        try {
            Files.createDirectories(dir);
            DType dtype = w0.dataType() == DataType.DOUBLE ? DType.F64 : DType.F32;
            SafetensorsWriter.write(file, List.of(Tensor.of("U", svd.u(), dtype), Tensor.of("S", svd.s(), dtype), Tensor.of("Vt", svd.vt(), dtype)),
                    Map.of("format", "spectune-svd", "weight_sha256", file.getFileName().toString().substring(0, 64), "key", key));
        } catch (IOException | UncheckedIOException e) {
            warn("cannot write the SVD cache in " + dir + " (" + e.getMessage() + "); decompositions will not be kept");
        }
    }

    /** The factors last handed out for a key, while the weight array they decompose and the factors are still held. */
    private record Handed(WeakReference<INDArray> weight, WeakReference<INDArray> u, WeakReference<INDArray> s, WeakReference<INDArray> vt) {
        Svd svdOf(INDArray w0) {
            INDArray uu = u.get(), ss = s.get(), vv = vt.get();
            return weight.get() == w0 && uu != null && ss != null && vv != null ? new Svd(uu, ss, vv) : null;
        }
    }

    private static final Map<String, Handed> HANDED = new java.util.HashMap<>();      // by key, across caches (a sampler opens its own)

    /**
     * The SVD of W0: the factors already handed out for this very weight array when a graph still
     * holds them (the validation sampler's adapter beside the trainer's shares them: SD-1.5
     * SODA, 0.75 GB), else the kept file, else gesdd (then kept). Nothing writes into factors.
     */
    @Override
    public synchronized Svd svd(String key, INDArray w0) {
        Svd shared;
        synchronized (HANDED) {
            Handed h = HANDED.get(key);
            shared = h == null ? null : h.svdOf(w0);
        }
        if (shared != null) {
            hits++;
            return shared;
        }
        var kept = lookup(key, w0);
        Svd svd;
        if (kept.isPresent()) {
            hits++;
            svd = kept.get();
        } else {
            misses++;
            svd = Svd.of(w0);
            store(key, w0, svd);
        }
        svd = new Svd(owned(svd.u()), owned(svd.s()), owned(svd.vt()));          // SameDiff binds a view as a copy: hand out what it will hold
        synchronized (HANDED) {
            HANDED.put(key, new Handed(new WeakReference<>(w0), new WeakReference<>(svd.u()), new WeakReference<>(svd.s()), new WeakReference<>(svd.vt())));
        }
        return svd;
    }

    /** {@code a}, or a copy of it when it is a view of a larger buffer (which a graph constant would copy, leaving the handed-out array unheld). */
    private static INDArray owned(INDArray a) {
        return a.isView() ? a.dup() : a;
    }

    private void warn(String message) {
        if (warned) return;
        warned = true;
        System.err.println("warning: " + message);
    }

    /** SHA-256 of W's values as little-endian float64, row-major: the key of a weight's decomposition. */
    public static String hashOf(INDArray w) {
        double[] values = w.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(values.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (double v : values) buffer.putDouble(v);
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(buffer.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
