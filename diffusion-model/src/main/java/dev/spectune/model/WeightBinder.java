/*
 * WeightBinder: binds checkpoint tensors to graph variables while a model graph is built.
 *
 * Every module asks for its parameters by checkpoint key and the shape its config implies (so the
 * state-dict names come from the module tree, as in diffusers). The binder reads the tensor in
 * the graph's float type, converts conv weights from PyTorch OIHW to SameDiff's YXIO once, and
 * notes every key that is missing or mis-shaped instead of failing at the first; {@link #finish}
 * then reports those and every key of the source that no module asked for, all at once.
 * Inference graphs hold weights as constants; adapters later turn chosen ones into trainable
 * reparameterisations.
 *
 * Constants are shared: a second graph of the same weight source (the validation sampler's UNet
 * beside the trainer's, a sampling graph per resolution) binds the arrays the first one bound,
 * while that graph lives (weak references), instead of reading and holding a second copy. Nothing
 * writes into a bound constant (merging replaces the array); trainable weights are never shared.
 */
package dev.spectune.model;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.ops.Conv2d;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class WeightBinder {

    private final SameDiff sd;
    private final WeightSource source;
    private final DataType type;
    private final String prefix;
    private final Map<String, long[]> requested = new LinkedHashMap<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> misshaped = new ArrayList<>();
    private final List<String> nonFinite = new ArrayList<>();
    private final Set<String> unshared = new java.util.HashSet<>();         // keys never shared: missing or mis-shaped (bound as zeros) or non-finite
    private boolean trainable;

    /** Per weight source: the constant arrays bound from it, by key and layout, while some graph holds them. */
    private static final Map<WeightSource, Map<String, WeakReference<INDArray>>> BOUND = new WeakHashMap<>();

    /** @param prefix prepended to every key when reading the source (e.g. "" or "decoder.") */
    public WeightBinder(SameDiff sd, WeightSource source, DataType type, String prefix) {
        this.sd = sd;
        this.source = source;
        this.type = type;
        this.prefix = prefix;
    }

    /** Binds weights as trainable variables instead of constants (full fine-tuning, gradient checks). */
    public WeightBinder trainable(boolean on) {
        this.trainable = on;
        return this;
    }

    private SDVariable bind(String key, INDArray value) {
        return trainable ? sd.var(key, value) : sd.constant(key, value);
    }

    /**
     * A binder that reads nothing: every parameter becomes a placeholder of the expected shape, so
     * a graph can be built only to learn the model's state-dict names and shapes ({@link #requested}).
     */
    public static WeightBinder shapesOnly(SameDiff sd, DataType type) {
        return new WeightBinder(sd, null, type, "");
    }

    public SameDiff sd() {
        return sd;
    }

    public DataType type() {
        return type;
    }

    /** The checkpoint keys requested so far, with their expected (PyTorch-layout) shapes. */
    public Map<String, long[]> requested() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(requested));
    }

    /** A parameter as stored: linear weights [out, in], biases [n], norms [n], embeddings [V, D]. */
    public SDVariable param(String key, long... shape) {
        if (source == null) {
            requested.put(prefix + key, shape.clone());
            return sd.placeHolder(key, type, shape);
        }
        INDArray shared = shared(key, "", shape);
        if (shared != null) return bind(key, shared);
        return bindAndRemember(key, "", load(key, shape));
    }

    /** A conv weight, stored OIHW [out, in, k, k], bound as SameDiff's YXIO [k, k, in, out]. */
    public SDVariable conv(String key, long out, long in, long kernel) {
        if (source == null) {
            requested.put(prefix + key, new long[] {out, in, kernel, kernel});
            return sd.placeHolder(key, type, kernel, kernel, in, out);
        }
        long[] stored = {out, in, kernel, kernel};
        INDArray shared = shared(key, "yxio", stored);
        if (shared != null) return bind(key, shared);
        INDArray oihw = load(key, stored);
        INDArray yxio = Conv2d.oihwToYxio(oihw);
        if (oihw.closeable()) oihw.close();                                    // the stored layout is not kept: each weight is held once
        return bindAndRemember(key, "yxio", yxio);
    }

    /** The array another graph bound for this source, key, layout and type, if it is still held; the key counts as requested. */
    private INDArray shared(String key, String layout, long[] storedShape) {
        if (trainable) return null;
        String full = prefix + key;
        WeakReference<INDArray> ref;
        synchronized (BOUND) {
            Map<String, WeakReference<INDArray>> bySource = BOUND.get(source);
            ref = bySource == null ? null : bySource.get(sharedKey(full, layout));
        }
        INDArray a = ref == null ? null : ref.get();
        if (a == null || a.wasClosed()) return null;
        requested.put(full, storedShape.clone());
        return a;
    }

    /**
     * Binds a value read from the source and records the array the graph holds (SameDiff copies a
     * constant that is a view, as decoded 1-D weights reshaped are) for other graphs to share —
     * unless the value had one of {@link #load}'s problems.
     */
    private SDVariable bindAndRemember(String key, String layout, INDArray value) {
        SDVariable v = bind(key, value);
        String full = prefix + key;
        if (trainable || unshared.contains(full)) return v;
        INDArray held = v.getArr();
        synchronized (BOUND) {
            BOUND.computeIfAbsent(source, s -> new java.util.HashMap<>()).put(sharedKey(full, layout), new WeakReference<>(held));
        }
        return v;
    }

    private String sharedKey(String full, String layout) {
        return full + "|" + layout + "|" + type;
    }

    private INDArray load(String key, long... shape) {
        String full = prefix + key;
        requested.put(full, shape.clone());
        if (!source.keys().contains(full)) {
            missing.add(full + " " + Arrays.toString(shape));
            unshared.add(full);
            return Nd4j.zeros(type, shape);
        }
        long[] found = source.shape(full);
        if (!Arrays.equals(found, shape)) {
            misshaped.add(full + ": expected " + Arrays.toString(shape) + ", found " + Arrays.toString(found));
            unshared.add(full);
            return Nd4j.zeros(type, shape);
        }
        INDArray value = source.read(full, type);
        if (!Double.isFinite(value.sumNumber().doubleValue())) {
            nonFinite.add(full + " (NaN or ∞ among its values)");
            unshared.add(full);
        }
        return value;
    }

    /**
     * The inverse of binding: weights as a graph binds them (by key; conv weights YXIO) as a state
     * dict in PyTorch layout (conv weights back to OIHW), in the order of {@code shapes} (a model's
     * parameterShapes). Fails naming every key that is missing or has another shape.
     */
    public static Map<String, INDArray> export(Map<String, INDArray> bound, Map<String, long[]> shapes) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        shapes.forEach((key, shape) -> {
            INDArray a = bound.get(key);
            if (a == null) {
                problems.add(key + ": not in the graph");
                return;
            }
            INDArray stored = shape.length == 4 ? Conv2d.yxioToOihw(a) : a.dup('c');
            if (!Arrays.equals(stored.shape(), shape)) problems.add(key + ": expected " + Arrays.toString(shape) + ", found " + Arrays.toString(stored.shape()));
            else out.put(key, stored);
        });
        if (!problems.isEmpty()) throw new IllegalStateException("cannot export the graph's weights: " + String.join("; ", problems));
        return out;
    }

    /**
     * Fails with every missing, mis-shaped and unexpected key (keys under {@code prefix} that no
     * module requested). Call once the graph is complete.
     */
    public void finish() {
        finish(prefix);
    }

    /** As {@link #finish()}, judging as unexpected only unrequested keys under the given prefixes (a graph that builds part of a model). */
    public void finish(String... ownedPrefixes) {
        if (source == null) return;
        Set<String> unexpected = new LinkedHashSet<>();
        for (String k : source.keys()) {
            boolean owned = false;
            for (String p : ownedPrefixes) owned |= k.startsWith(p);
            if (owned && !requested.containsKey(k) && !isBuffer(k)) unexpected.add(k + " " + Arrays.toString(source.shape(k)));
        }
        if (missing.isEmpty() && misshaped.isEmpty() && unexpected.isEmpty() && nonFinite.isEmpty()) return;
        StringBuilder sb = new StringBuilder(source.description() + ": weights do not match the model");
        append(sb, "missing", missing);
        append(sb, "mis-shaped", misshaped);
        append(sb, "unexpected", new ArrayList<>(unexpected));
        append(sb, "non-finite", nonFinite);
        throw new CheckpointException(sb.toString());
    }

    /**
     * A state-dict entry that is not a weight: transformers' CLIP position_ids, a buffer older
     * checkpoints saved (SD-1.x text encoders, CLIP .bin files) and newer ones do not. Not read,
     * not unexpected.
     */
    static boolean isBuffer(String key) {
        return key.endsWith("embeddings.position_ids");
    }

    private static void append(StringBuilder sb, String what, List<String> keys) {
        if (keys.isEmpty()) return;
        sb.append('\n').append(keys.size()).append(' ').append(what).append(" key").append(keys.size() == 1 ? "" : "s").append(':');
        for (String k : keys) sb.append("\n  ").append(k);
    }
}
