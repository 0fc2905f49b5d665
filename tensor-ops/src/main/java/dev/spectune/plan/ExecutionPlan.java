/*
 * ExecutionPlan: a SameDiff graph compiled once into a flat list of op invocations, run with
 * minimal per-op cost — the executor of a training step (forward + backward) and of sampling.
 *
 * SameDiff stays the graph builder and the autodiff; this replaces its InferenceSession, which
 * re-derives the schedule, the op parameters and the output shapes on every call and copies the
 * variable table per requested output (measured: ~80% of a small UNet's step in Java bookkeeping).
 * Compilation (the way llm.c lays out a step, and what a CUDA backend executes):
 *   1. the ops the wanted outputs need, in dependency order (Kahn, depth first: an op's readers
 *      run as soon as they can, so intermediates die early);
 *   2. static folding — everything computed from tensor shapes and integer constants (the graph's
 *      reshape arithmetic: shape_of, strided_slice, concat, cast) is evaluated once, on the first
 *      run, and kept (small results only); values derived from float constants (weights, which
 *      merging may edit in place) are computed on every run;
 *   3. rewrites that drop outputs nobody reads ({@link FrozenWeightGradients}: a frozen conv or
 *      matmul weight gets no gradient computed or allocated) and fusions ({@link AttentionFusion}:
 *      attention whose scores nothing else reads runs over blocks of query rows);
 *   4. buffers assigned by liveness: an intermediate goes back to the {@link BufferPool} after its
 *      last reader, and the next op of that shape takes it; from the second run on a step
 *      allocates nothing.
 * Every op invocation is an ND4J backend-neutral op object with its inputs and outputs set; the
 * list of (op, shapes, buffer slots) is what {@link #describe} prints.
 *
 * Values returned by {@link #run} are copies, owned by the caller. Variables (the trained
 * parameters) and constants are read from the graph's arrays on each run, so in-place updates of
 * the parameters are seen.
 */
package dev.spectune.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class ExecutionPlan {

    /** Largest static (constant- or shape-derived) result kept between runs, in elements; larger ones are recomputed each run. */
    static final long STATIC_LIMIT = 1 << 16;

    private final SameDiff graph;                 // the graph whose ops run (a gradient function, or the model itself)
    private final SameDiff arrays;                // where variables and constants are read (the model the optimizer updates)
    private final List<String> slotNames = new ArrayList<>();
    private final Map<String, Integer> slots = new HashMap<>();
    private final List<PlanOp> ops = new ArrayList<>();
    private final int[] wanted;                   // slots returned by run
    private final int[] leaves;                   // slots read from the graph's arrays (variables, constants)
    private final Map<String, Integer> placeholders = new LinkedHashMap<>();
    private final boolean[] external;             // leaf or placeholder: never pooled
    private final boolean[] isStatic;             // the slot's value is the same on every run
    private final boolean[] kept;                 // static and small: computed on the first run, kept
    private final BufferPool pool = new BufferPool();
    private final INDArray[] values;
    private int[][] dying;                        // per op: slots whose last reader it is (their buffers return to the pool)
    private int[] steady;                         // after the first run: the ops that still run, in order
    private int runs;
    private Map<String, long[]> profile;          // op name -> {nanoseconds, calls}, when profiling

    /**
     * @param graph   the graph to execute
     * @param arrays  where variable and constant values live (the same graph, or the model a gradient function was derived from)
     * @param outputs names of the values to compute
     */
    public ExecutionPlan(SameDiff graph, SameDiff arrays, List<String> outputs) {
        this.graph = graph;
        this.arrays = arrays;
        List<SameDiffOp> order = schedule(graph, outputs);
        Set<String> produced = new HashSet<>();
        for (SameDiffOp op : order) produced.addAll(op.getOutputsOfOp());
        List<Integer> leafSlots = new ArrayList<>();
        List<String> external = new ArrayList<>(outputs);
        for (SameDiffOp op : order) external.addAll(inputs(op));
        for (String name : external) {
            if (produced.contains(name) || slots.containsKey(name)) continue;
            Variable v = graph.getVariables().get(name);
            if (v == null) throw new IllegalArgumentException("plan: the graph has no variable '" + name + "'");
            int s = slot(name);
            if (v.getVariable().getVariableType() == VariableType.PLACEHOLDER) placeholders.put(name, s);
            else leafSlots.add(s);
        }
        for (SameDiffOp op : order) ops.add(PlanOp.of(op, this::slot));
        this.leaves = leafSlots.stream().mapToInt(Integer::intValue).toArray();
        this.wanted = outputs.stream().mapToInt(slots::get).toArray();
        int n = slotNames.size();
        this.values = new INDArray[n];
        this.external = new boolean[n];
        this.isStatic = new boolean[n];
        this.kept = new boolean[n];
        for (int s : leaves) {                                         // integer constants are shapes and indices; float ones are weights a user may edit
            this.external[s] = true;
            var v = graph.getVariables().get(slotNames.get(s)).getVariable();
            isStatic[s] = v.getVariableType() == VariableType.CONSTANT && !v.dataType().isFPType();
        }
        for (int s : placeholders.values()) this.external[s] = true;
        FrozenWeightGradients.rewrite(ops, readerCounts());
        List<PlanOp> fused = AttentionFusion.fuse(ops, readerCounts());
        ops.clear();
        ops.addAll(fused);
        for (PlanOp op : ops) {                                        // static: shape_of, or every input static (random ops never)
            boolean st = !op.isRandom() && (op.readsShapeOnly() || Arrays.stream(op.inputs()).allMatch(i -> isStatic[i]));
            op.setStatic(st);
            for (int o : op.outputs()) isStatic[o] = st;
        }
        int[] all = new int[ops.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        this.dying = lastUses(all);
    }

    private int slot(String name) {
        Integer s = slots.get(name);
        if (s != null) return s;
        slots.put(name, slotNames.size());
        slotNames.add(name);
        return slotNames.size() - 1;
    }

    /** The ops needed for {@code outputs}, each after the ops producing its inputs. */
    private static List<SameDiffOp> schedule(SameDiff sd, List<String> outputs) {
        Set<String> needed = new HashSet<>();
        ArrayDeque<String> queue = new ArrayDeque<>(outputs);
        while (!queue.isEmpty()) {
            String var = queue.pop();
            Variable v = sd.getVariables().get(var);
            if (v == null) throw new IllegalArgumentException("plan: the graph has no variable '" + var + "'");
            String producer = v.getOutputOfOp();
            if (producer == null || !needed.add(producer)) continue;
            SameDiffOp op = sd.getOps().get(producer);
            if (op.getControlDeps() != null && !op.getControlDeps().isEmpty()) {
                throw new IllegalArgumentException("plan: op '" + producer + "' has control dependencies (control flow is not planned)");
            }
            queue.addAll(inputs(op));
        }
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> consumers = new HashMap<>();
        ArrayDeque<String> ready = new ArrayDeque<>();
        for (String name : sd.getOps().keySet()) {                    // the graph's own op order, for stable plans
            if (!needed.contains(name)) continue;
            int count = 0;
            for (String in : new HashSet<>(inputs(sd.getOps().get(name)))) {
                String producer = sd.getVariables().get(in).getOutputOfOp();
                if (producer != null && needed.contains(producer)) {
                    count++;
                    consumers.computeIfAbsent(producer, k -> new ArrayList<>()).add(name);
                }
            }
            pending.put(name, count);
            if (count == 0) ready.add(name);
        }
        List<SameDiffOp> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String name = ready.pop();
            order.add(sd.getOps().get(name));
            List<String> readers = consumers.getOrDefault(name, List.of());
            for (int i = readers.size() - 1; i >= 0; i--) {                // depth first, the graph's order among siblings
                if (pending.merge(readers.get(i), -1, Integer::sum) == 0) ready.push(readers.get(i));
            }
        }
        if (order.size() != needed.size()) throw new IllegalStateException("plan: the graph has a cycle");
        return order;
    }

    private static List<String> inputs(SameDiffOp op) {
        return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    }

    /** For each slot, how many op inputs read it (a wanted output counts as read). */
    private int[] readerCounts() {
        int[] readers = new int[slotNames.size()];
        for (PlanOp op : ops) for (int s : op.inputs()) readers[s]++;
        for (int s : wanted) readers[s]++;
        return readers;
    }

    /** For the given ops (indices, in run order): per op, the pooled slots whose last reader it is, outputs nobody reads included. */
    private int[][] lastUses(int[] run) {
        int[] last = new int[slotNames.size()];
        Arrays.fill(last, -1);
        for (int i : run) for (int s : ops.get(i).inputs()) last[s] = i;
        for (int s : wanted) last[s] = Integer.MAX_VALUE;                // released after the copy run() returns
        List<List<Integer>> dies = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) dies.add(new ArrayList<>());
        for (int i : run) {
            for (int o : ops.get(i).outputs()) if (last[o] < 0) dies.get(i).add(o);   // written, never read
        }
        for (int s = 0; s < last.length; s++) {
            if (last[s] >= 0 && last[s] != Integer.MAX_VALUE && !external[s]) dies.get(last[s]).add(s);
        }
        int[][] out = new int[ops.size()][];
        for (int i = 0; i < out.length; i++) out[i] = dies.get(i).stream().distinct().mapToInt(Integer::intValue).toArray();
        return out;
    }

    /**
     * Runs the plan.
     *
     * @param feed a value for every placeholder the outputs depend on (the same shapes on every run)
     * @return the outputs by name, as arrays the caller owns
     */
    public Map<String, INDArray> run(Map<String, INDArray> feed) {
        for (var e : placeholders.entrySet()) {
            INDArray value = feed.get(e.getKey());
            if (value == null) throw new IllegalArgumentException("plan: no value for placeholder '" + e.getKey() + "'");
            INDArray previous = values[e.getValue()];
            if (previous != null && !Arrays.equals(previous.shape(), value.shape())) {
                throw new IllegalArgumentException("plan: placeholder '" + e.getKey() + "' has shape " + Arrays.toString(value.shape())
                        + ", the plan was compiled on its first run with " + Arrays.toString(previous.shape()));
            }
            values[e.getValue()] = value;
        }
        for (int s : leaves) {
            String name = slotNames.get(s);
            INDArray v = arrays.getVariables().containsKey(name) ? arrays.getArrForVarName(name) : graph.getArrForVarName(name);
            if (v == null) throw new IllegalStateException("plan: variable '" + name + "' has no value");
            values[s] = v;
        }
        if (runs == 0) {
            boolean trace = Boolean.getBoolean("spectune.plan.trace");                       // each op of the first run on stderr, before it runs
            for (int i = 0; i < ops.size(); i++) {
                PlanOp op = ops.get(i);
                if (trace) System.err.println("plan op " + i + " " + op.describe(slotNames));
                op.execute(values, pool);
                if (trace) for (int o : op.outputs()) if (values[o] != null) System.err.println("  = " + slotNames.get(o) + " " + Arrays.toString(values[o].shape()));
                if (op.isStatic()) for (int o : op.outputs()) kept[o] = values[o] != null && values[o].length() <= STATIC_LIMIT;
                release(i);
            }
            steady = steadyOps();
            dying = lastUses(steady);
            if (trace) System.err.printf("plan: %d ops, %d per later run, %.1f MiB of buffers; largest: %s%n", ops.size(), steady.length,
                    pool.bytes() / 1048576.0, pool.largest(12));
        } else {
            for (int i : steady) {
                if (profile == null) {
                    ops.get(i).execute(values, pool);
                } else {
                    long t0 = System.nanoTime();
                    ops.get(i).execute(values, pool);
                    long[] p = profile.computeIfAbsent(ops.get(i).kind(), k -> new long[2]);
                    p[0] += System.nanoTime() - t0;
                    p[1]++;
                }
                release(i);
            }
        }
        runs++;
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int s : wanted) out.put(slotNames.get(s), values[s].dup());
        for (int s : wanted) {
            if (!external[s] && !kept[s] && values[s] != null) {
                pool.release(values[s]);
                values[s] = null;
            }
        }
        return out;
    }

    private void release(int op) {
        for (int d : dying[op]) {
            if (kept[d] || values[d] == null) continue;
            pool.release(values[d]);
            values[d] = null;
        }
    }

    /** The ops a run after the first executes: those not folded whose results a wanted output still needs. */
    private int[] steadyOps() {
        boolean[] needed = new boolean[slotNames.size()];
        for (int s : wanted) needed[s] = !kept[s] && !external[s];
        List<Integer> run = new ArrayList<>();
        for (int i = ops.size() - 1; i >= 0; i--) {
            PlanOp op = ops.get(i);
            boolean folded = op.isStatic() && Arrays.stream(op.outputs()).allMatch(o -> kept[o]);
            if (folded || Arrays.stream(op.outputs()).noneMatch(o -> needed[o])) continue;
            run.add(i);
            for (int in : op.inputs()) if (!kept[in] && !external[in]) needed[in] = true;
        }
        return run.reversed().stream().mapToInt(Integer::intValue).toArray();
    }

    /** Times every op of the runs after the first, by op kind, from now on ({@link #profile()}). */
    public void startProfiling() {
        profile = new LinkedHashMap<>();
    }

    /** Per op kind: total nanoseconds and calls since {@link #startProfiling()}, the costliest first. */
    public Map<String, long[]> profile() {
        Map<String, long[]> sorted = new LinkedHashMap<>();
        if (profile == null) return sorted;
        profile.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> sorted.put(e.getKey(), e.getValue().clone()));
        return sorted;
    }

    /** Op invocations per run: every op on the first run, {@link #opsPerRun} after it. */
    public int totalOps() {
        return ops.size();
    }

    /** Op invocations of a run after the first (static results folded); the total before the first run. */
    public int opsPerRun() {
        return steady == null ? ops.size() : steady.length;
    }

    /** Bytes of intermediate buffers the plan holds (allocated on the first run, reused after). */
    public long pooledBytes() {
        return pool.bytes();
    }

    /** The op list of a run: index, op, input and output slots. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        int[] run = steady != null ? steady : java.util.stream.IntStream.range(0, ops.size()).toArray();
        for (int i : run) sb.append(i).append(' ').append(ops.get(i).describe(slotNames)).append('\n');
        return sb.toString();
    }
}
