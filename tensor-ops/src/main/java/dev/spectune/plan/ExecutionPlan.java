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
 *      attention whose scores nothing else reads runs over blocks of query rows; {@link KroneckerFusion}:
 *      a Kronecker product and its factors' gradients formed in one op each);
 *   4. buffers assigned by liveness: an intermediate goes back to the {@link BufferPool} after its
 *      last reader, and the next op that fits takes it; from the second run on a step allocates
 *      nothing. A reshape is a view of its input's buffer (no op, no copy); the buffer then lives
 *      until the view's last reader too.
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
    private final boolean[] isWanted;             // per slot: returned by run (never pooled before the copy, never a view)
    private final int[] leaves;                   // slots read from the graph's arrays (variables, constants)
    private final Map<String, Integer> placeholders = new LinkedHashMap<>();
    private final boolean[] external;             // leaf or placeholder: never pooled
    private final boolean[] isStatic;             // the slot's value is the same on every run
    private final boolean[] kept;                 // static and small: computed on the first run, kept
    private final int[] aliasOf;                  // per slot: the slot whose buffer it views (a reshape), or -1
    private BufferPool pool = new BufferPool();
    private final INDArray[] values;
    private final long[][] shapes;                // per slot: the shape of its value when last written (the first run's; shapes are fixed)
    private final int[] sequence;                 // run order: op indices (an op recomputed for backward appears twice)
    private int[][] dying;                        // per position of the sequence: slots whose last reader it is (their buffers return to the pool)
    private int[] steady;                         // after the first run: the positions that still run, in order
    private int runs;
    private Map<String, long[]> profile;          // op name -> {nanoseconds, calls}, when profiling

    /**
     * @param graph   the graph to execute
     * @param arrays  where variable and constant values live (the same graph, or the model a gradient function was derived from)
     * @param outputs names of the values to compute
     */
    public ExecutionPlan(SameDiff graph, SameDiff arrays, List<String> outputs) {
        this(graph, arrays, outputs, Set.of(), Set.of());
    }

    /**
     * A plan whose backward recomputes activations ({@link Rematerialization}): {@code checkpoints}
     * names the forward values kept for backward, the outputs of the segments (empty: every value
     * backward reads is kept, no recomputation).
     *
     * @param graph       a gradient function
     * @param arrays      the model it was derived from (its ops are the forward pass)
     * @param checkpoints the segment boundaries: names of forward values
     * @param lossGradients names of the loss variables' gradients in {@code graph} (where backward starts)
     */
    public ExecutionPlan(SameDiff graph, SameDiff arrays, List<String> outputs, Set<String> checkpoints, Set<String> lossGradients) {
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
        this.shapes = new long[n][];
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
        KroneckerFusion.fuse(ops, slotNames, slots, "-grad");
        for (PlanOp op : ops) {                                        // static: shape_of, or every input static (random ops never)
            boolean st = !op.isRandom() && (op.readsShapeOnly() || Arrays.stream(op.inputs()).allMatch(i -> isStatic[i]));
            op.setStatic(st);
            for (int o : op.outputs()) isStatic[o] = st;
        }
        this.isWanted = new boolean[n];
        for (int s : wanted) isWanted[s] = true;
        this.aliasOf = new int[n];                                     // reshapes run as views of their input's buffer
        Arrays.fill(aliasOf, -1);
        for (PlanOp op : ops) {
            if (!op.isStatic() && op.canRunAsView() && !isWanted[op.outputs()[0]]) {
                op.runAsView();
                int base = op.inputs()[0];
                aliasOf[op.outputs()[0]] = aliasOf[base] >= 0 ? aliasOf[base] : base;
            }
        }
        int[] runOrder = new int[ops.size()];
        for (int i = 0; i < runOrder.length; i++) runOrder[i] = i;
        if (!checkpoints.isEmpty()) {
            boolean[] forward = new boolean[ops.size()];
            for (int i = 0; i < forward.length; i++) forward[i] = arrays.getOps().containsKey(ops.get(i).name());
            Set<Integer> boundaries = new HashSet<>();
            for (String c : checkpoints) if (slots.containsKey(c)) boundaries.add(slots.get(c));
            boolean[] keptSlots = this.external.clone();
            for (int s = 0; s < n; s++) keptSlots[s] |= isWanted[s];
            Set<Integer> seeds = new HashSet<>();
            for (String g : lossGradients) if (slots.containsKey(g)) seeds.add(slots.get(g));
            runOrder = Rematerialization.sequence(ops, forward, boundaries, keptSlots, seeds, aliasOf);
        }
        this.sequence = runOrder;
        int[] all = new int[sequence.length];
        for (int p = 0; p < all.length; p++) all[p] = p;
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

    /**
     * For the given positions of the sequence (in run order): per position, the pooled slots whose
     * value dies there — after its last reader, or where it is written when nobody reads it. A slot
     * written twice (a recomputed value) has two lifetimes.
     */
    private int[][] lastUses(int[] run) {
        int n = slotNames.size();
        int[] defined = new int[n], lastRead = new int[n];
        Arrays.fill(defined, -1);
        Arrays.fill(lastRead, -1);
        List<List<Integer>> dies = new ArrayList<>();
        for (int p = 0; p < sequence.length; p++) dies.add(new ArrayList<>());
        java.util.function.IntConsumer end = s -> {
            if (defined[s] < 0 || external[s] || isWanted[s]) return;                    // a wanted value is released after the copy run() returns
            dies.get(Math.max(lastRead[s], defined[s])).add(s);
        };
        for (int p : run) {
            PlanOp op = ops.get(sequence[p]);
            if (!op.readsShapeOnly()) for (int s : op.inputs()) lastRead[aliasOf[s] >= 0 ? aliasOf[s] : s] = p;   // a view's reader reads its base's buffer
            for (int o : op.outputs()) {
                if (aliasOf[o] >= 0) continue;                                         // a view has no buffer of its own
                end.accept(o);
                defined[o] = p;
                lastRead[o] = -1;
            }
        }
        for (int s = 0; s < n; s++) end.accept(s);
        int[][] out = new int[sequence.length][];
        for (int p = 0; p < out.length; p++) out[p] = dies.get(p).stream().distinct().mapToInt(Integer::intValue).toArray();
        return out;
    }

    /**
     * Runs the plan.
     *
     * @param feed a value for every placeholder the outputs depend on (the same shapes on every run)
     * @return the outputs by name, as arrays the caller owns
     */
    private boolean checkFinite;                  // diagnosis: look at every op's outputs on the first run
    private String firstNonFinite;

    /**
     * Runs a fresh plan once on {@code feed} looking at every op's outputs, in order: the first op
     * whose output holds NaN or ∞, with the named graph values it reads (weights, by checkpoint
     * key) — or null when every value is finite. For "the loss is NaN: where did it start?".
     */
    public String firstNonFinite(Map<String, INDArray> feed) {
        if (runs > 0) throw new IllegalStateException("plan: firstNonFinite diagnoses a fresh plan (this one has run " + runs + " times)");
        checkFinite = true;
        run(feed);
        return firstNonFinite;
    }

    private String nonFinite(PlanOp op) {
        for (int o : op.outputs()) {
            INDArray v = values[o];
            if (v == null || !v.dataType().isFPType() || v.isEmpty()) continue;
            boolean nan = org.nd4j.linalg.indexing.BooleanIndexing.or(v, org.nd4j.linalg.indexing.conditions.Conditions.isNan());
            boolean inf = !nan && org.nd4j.linalg.indexing.BooleanIndexing.or(v, org.nd4j.linalg.indexing.conditions.Conditions.isInfinite());
            if (!nan && !inf) continue;
            List<String> reads = new ArrayList<>();
            for (int in : op.inputs()) reads.add(slotNames.get(in));
            return "op '" + op.name() + "' (" + op.function().opName() + ") gave " + (nan ? "NaN" : "∞") + " in '" + slotNames.get(o) + "', reading " + reads;
        }
        return null;
    }

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
            shapes[e.getValue()] = value.shape().clone();
        }
        for (int s : leaves) {
            String name = slotNames.get(s);
            INDArray v = arrays.getVariables().containsKey(name) ? arrays.getArrForVarName(name) : graph.getArrForVarName(name);
            if (v == null) throw new IllegalStateException("plan: variable '" + name + "' has no value");
            values[s] = v;
            if (runs == 0) shapes[s] = v.shape().clone();
        }
        if (runs == 0) {
            boolean trace = Boolean.getBoolean("spectune.plan.trace");                       // each op of the first run on stderr, before it runs
            for (int i = 0; i < sequence.length; i++) {
                PlanOp op = ops.get(sequence[i]);
                if (trace) System.err.println("plan op " + sequence[i] + " " + op.describe(slotNames));
                op.execute(values, shapes, pool);
                for (int o : op.outputs()) if (values[o] != null) shapes[o] = values[o].shape().clone();
                if (checkFinite && firstNonFinite == null) firstNonFinite = nonFinite(op);
                if (trace) for (int o : op.outputs()) if (values[o] != null) System.err.println("  = " + slotNames.get(o) + " " + Arrays.toString(values[o].shape()));
                if (op.isStatic()) for (int o : op.outputs()) kept[o] = values[o] != null && values[o].length() <= STATIC_LIMIT;
                release(i);
            }
            steady = steadyOps();
            dying = lastUses(steady);
            if (trace) System.err.printf("plan: %d ops (%d recomputed), %d per later run, %.1f MiB of buffers (at most %.1f MiB in use at once); largest: %s%n",
                    ops.size(), sequence.length - ops.size(), steady.length, pool.bytes() / 1048576.0, pool.peakInUseBytes() / 1048576.0, pool.largest(12));
        } else {
            for (int i : steady) {
                PlanOp op = ops.get(sequence[i]);
                if (profile == null) {
                    op.execute(values, shapes, pool);
                } else {
                    long t0 = System.nanoTime();
                    op.execute(values, shapes, pool);
                    long elapsed = System.nanoTime() - t0;
                    long[] p = profile.computeIfAbsent(op.kind(), k -> new long[2]);
                    p[0] += elapsed;
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
        pool.settle();                                                                // the next run gets the same buffers for the same values
        return out;
    }

    private void release(int op) {
        for (int d : dying[op]) {
            if (kept[d] || values[d] == null) continue;
            pool.release(values[d]);
            values[d] = null;
        }
    }

    /** The positions a run after the first executes: ops not folded whose results a wanted output still needs. */
    private int[] steadyOps() {
        boolean[] needed = new boolean[slotNames.size()];
        for (int s : wanted) needed[s] = !kept[s] && !external[s];
        List<Integer> run = new ArrayList<>();
        for (int p = sequence.length - 1; p >= 0; p--) {
            PlanOp op = ops.get(sequence[p]);
            boolean folded = op.isStatic() && Arrays.stream(op.outputs()).allMatch(o -> kept[o]);
            if (folded || Arrays.stream(op.outputs()).noneMatch(o -> needed[o])) continue;
            run.add(p);
            for (int o : op.outputs()) needed[o] = false;                             // readers before p read an earlier write, if any
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

    /** Op invocations of the first run (recomputed ops counted each time), {@link #opsPerRun} after it. */
    public int totalOps() {
        return sequence.length;
    }

    /** Op invocations of a run after the first (static results folded); the total before the first run. */
    public int opsPerRun() {
        return steady == null ? sequence.length : steady.length;
    }

    /** FLOPs of a run after the first: its matrix products and convolutions ({@link PlanFlops}); known after the first run. */
    public double flopsPerRun() {
        if (steady == null) throw new IllegalStateException("plan: FLOPs are counted from the first run's shapes; run it first");
        double total = 0;
        for (int p : steady) total += PlanFlops.of(ops.get(sequence[p]), shapes);
        return total;
    }

    /**
     * Drops the plan's buffers: the next run allocates them again. For plans that take turns
     * within one process (a trainer's step, its evaluation, the validation sampler), so each
     * phase's peak is its own, not the sum of all. The arrays are freed once collected
     * (Nd4jRuntime.collectGarbage).
     */
    public void releaseBuffers() {
        for (int s = 0; s < values.length; s++) if (!external[s] && !kept[s]) values[s] = null;
        for (PlanOp op : ops) op.clearArrays();                                      // the op objects still hold the last run's arrays
        pool = new BufferPool();
    }

    /** Bytes of intermediate buffers the plan holds (allocated on the first run, reused after). */
    public long pooledBytes() {
        return pool.bytes();
    }

    /** The op list of a run: index, op, input and output slots. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        int[] run = steady != null ? steady : java.util.stream.IntStream.range(0, sequence.length).toArray();
        for (int p : run) sb.append(sequence[p]).append(' ').append(ops.get(sequence[p]).describe(slotNames)).append('\n');
        return sb.toString();
    }
}
