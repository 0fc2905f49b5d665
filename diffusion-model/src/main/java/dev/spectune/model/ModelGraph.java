/*
 * ModelGraph: a built SameDiff graph with its named inputs (placeholders), its outputs, and the
 * intermediate activations worth looking at ("taps", named as diffusers' modules are, e.g.
 * "down_blocks.0" or "mid_block"), so parity tools can compare any of them. Built once per
 * (model, batch, resolution) and run many times, each set of outputs by its own execution plan
 * (dev.spectune.plan.ExecutionPlan), compiled on first use. Block outputs are marked as
 * gradient-checkpointing boundaries ({@link #checkpoint}).
 */
package dev.spectune.model;

import dev.spectune.plan.ExecutionPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class ModelGraph {

    private final SameDiff sd;
    private final DataType type;
    private final Map<String, SDVariable> inputs = new LinkedHashMap<>();
    private final Map<String, SDVariable> taps = new LinkedHashMap<>();
    private final java.util.Set<String> checkpoints = new java.util.LinkedHashSet<>();   // segment boundaries for gradient checkpointing
    private final Map<String, ExecutionPlan> plans = new HashMap<>();          // compiled on first use, per outputs and input shapes

    public ModelGraph(SameDiff sd, DataType type) {
        this.sd = sd;
        this.type = type;
    }

    public SameDiff sd() {
        return sd;
    }

    public DataType type() {
        return type;
    }

    /** Declares a placeholder input. */
    public SDVariable input(String name, DataType dtype, long... shape) {
        SDVariable v = sd.placeHolder(name, dtype, shape);
        inputs.put(name, v);
        return v;
    }

    /** Names an activation so it can be fetched by {@link #run}; returns it unchanged. */
    public SDVariable tap(String name, SDVariable v) {
        taps.put(name, v);
        return v;
    }

    /**
     * Marks a value as a gradient-checkpointing boundary — the output of a block diffusers wraps
     * in torch.utils.checkpoint (each ResNet block, each transformer block); returns it unchanged.
     */
    public SDVariable checkpoint(SDVariable v) {
        checkpoints.add(v.name());
        return v;
    }

    /** Names of the values marked by {@link #checkpoint}, in graph order. */
    public java.util.Set<String> checkpoints() {
        return java.util.Collections.unmodifiableSet(checkpoints);
    }

    public Map<String, SDVariable> taps() {
        return Map.copyOf(taps);
    }

    public boolean hasTap(String name) {
        return taps.containsKey(name);
    }

    public SDVariable get(String tap) {
        SDVariable v = taps.get(tap);
        if (v == null) throw new IllegalArgumentException("graph has no output named '" + tap + "' (has " + taps.keySet() + ")");
        return v;
    }

    /** Drops the buffers of every plan compiled so far (the next run allocates them again; see ExecutionPlan#releaseBuffers). */
    public void releaseBuffers() {
        plans.values().forEach(ExecutionPlan::releaseBuffers);
    }

    /** Runs the graph and returns the requested taps. Inputs are cast to each placeholder's type. */
    public Map<String, INDArray> run(Map<String, INDArray> feed, String... wanted) {
        Map<String, INDArray> placeholders = new LinkedHashMap<>();
        for (var e : inputs.entrySet()) {
            INDArray value = feed.get(e.getKey());
            if (value == null) throw new IllegalArgumentException("missing input '" + e.getKey() + "'");
            long[] expected = e.getValue().placeholderShape();
            if (expected != null && !matches(expected, value.shape())) {
                throw new IllegalArgumentException("input '" + e.getKey() + "' has shape " + Arrays.toString(value.shape())
                        + ", the graph was built for " + Arrays.toString(expected));
            }
            placeholders.put(e.getKey(), value.dataType() == e.getValue().dataType() ? value : value.castTo(e.getValue().dataType()));
        }
        List<String> names = new ArrayList<>();
        for (String w : wanted) names.add(get(w).name());
        Map<String, INDArray> raw = plans.computeIfAbsent(shapesAndNames(placeholders, names), k -> new ExecutionPlan(sd, sd, names)).run(placeholders);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < wanted.length; i++) out.put(wanted[i], raw.get(names.get(i)));
        return out;
    }

    /** A plan serves one set of outputs at one set of input shapes. */
    private static String shapesAndNames(Map<String, INDArray> feed, List<String> names) {
        StringBuilder key = new StringBuilder(names.toString());
        feed.forEach((k, v) -> key.append(' ').append(k).append(Arrays.toString(v.shape())));
        return key.toString();
    }

    private static boolean matches(long[] expected, long[] actual) {
        if (expected.length != actual.length) return false;
        for (int i = 0; i < expected.length; i++) if (expected[i] >= 0 && expected[i] != actual[i]) return false;
        return true;
    }
}
