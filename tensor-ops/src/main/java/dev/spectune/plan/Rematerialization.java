/*
 * Rematerialization: gradient checkpointing as a plan schedule — torch.utils.checkpoint's
 * segments (diffusers' gradient_checkpointing wraps each ResnetBlock2D and each transformer
 * block), done on the op list instead of by re-entering the module.
 *
 * The graph names its segment boundaries (the outputs of those blocks). A segment is the forward
 * ops a boundary needs back to the previous boundaries, the model's inputs and its constants. The
 * forward pass runs as usual; a value computed inside a segment that only that segment reads in
 * the forward pass is not kept for backward: its forward lifetime ends at its last forward
 * reader. Before the first backward op that reads any such value, the segment's ops that produce
 * the values backward reads run again, from the kept boundaries (the same ops on the same inputs:
 * the same bits). Liveness then frees them after their last backward reader, so backward holds one
 * segment's activations at a time, not the whole forward pass's.
 *
 * A value another segment (or an op outside every segment) reads is kept, like a boundary; so are
 * random draws (recomputing one would draw anew) and values folded from shapes; shape_of reads the
 * recorded shape, not the value, and counts as no reader. The result is the
 * plan's run sequence: op indices in order, a recomputed op appearing twice.
 */
package dev.spectune.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

final class Rematerialization {
    private Rematerialization() {}

    /**
     * @param ops        the plan's ops in run order
     * @param forward    per op: part of the forward pass (not a gradient op)
     * @param boundaries slots kept for backward: the segments' outputs
     * @param keptSlots  per slot: never recomputed (placeholders, variables, constants, shape-derived values, wanted outputs)
     * @param lossGradients slots of the loss variables' gradients (the seeds of backward)
     * @param aliasOf    per slot: the slot whose buffer it views (a reshape), or -1
     * @return the run sequence, as op indices
     */
    static int[] sequence(List<PlanOp> ops, boolean[] forward, Set<Integer> boundaries, boolean[] keptSlots, Set<Integer> lossGradients,
                          int[] aliasOf) {
        int slots = keptSlots.length;
        int[] producer = new int[slots];
        Arrays.fill(producer, -1);
        List<List<Integer>> readers = new ArrayList<>();
        for (int s = 0; s < slots; s++) readers.add(new ArrayList<>());
        for (int i = 0; i < ops.size(); i++) {
            for (int o : ops.get(i).outputs()) producer[o] = i;
            if (!ops.get(i).readsShapeOnly()) for (int in : ops.get(i).inputs()) readers.get(in).add(i);   // shape_of reads no value
        }
        boolean[] kept = keptSlots.clone();
        for (int b : boundaries) kept[b] = true;
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).isRandom() || ops.get(i).isStatic() || !forward[i]) for (int o : ops.get(i).outputs()) kept[o] = true;
        }

        int[] segment = new int[ops.size()];                                  // per op: its segment, or -1
        Arrays.fill(segment, -1);
        int segments = 0;
        for (int b : boundaries.stream().sorted((x, y) -> Integer.compare(producer[x], producer[y])).toList()) {
            if (producer[b] < 0 || segment[producer[b]] >= 0) continue;
            ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(producer[b]));
            while (!todo.isEmpty()) {
                int op = todo.pop();
                if (segment[op] >= 0) continue;
                segment[op] = segments;
                for (int in : ops.get(op).inputs()) {
                    int p = producer[in];
                    if (p >= 0 && !kept[in] && segment[p] < 0 && forward[p]) todo.push(p);
                }
            }
            segments++;
        }

        // A value read in the forward pass outside its segment is kept (another segment's input).
        for (int s = 0; s < slots; s++) {
            if (kept[s] || producer[s] < 0 || segment[producer[s]] < 0) continue;
            for (int r : readers.get(s)) if (forward[r] && segment[r] != segment[producer[s]]) kept[s] = true;
        }

        // Run order: the forward pass, then backward; a backward op that does not depend on the
        // loss's gradient (it reads forward values only, e.g. x² for a derivative) waits until just
        // before its first reader, so it reads the recomputed values rather than the forward pass's.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) if (forward[i]) order.add(i);
        boolean[] early = new boolean[ops.size()], placed = new boolean[ops.size()];
        boolean[] fromSeed = new boolean[slots];                             // the value depends on the loss's gradient
        for (int s : lossGradients) fromSeed[s] = true;
        for (int i = 0; i < ops.size(); i++) {
            boolean seeded = false;
            for (int in : ops.get(i).inputs()) seeded |= fromSeed[in];
            for (int o : ops.get(i).outputs()) fromSeed[o] |= seeded;
            early[i] = !forward[i] && !seeded;
        }
        for (int i = 0; i < ops.size(); i++) if (!forward[i] && !early[i]) place(i, ops, producer, early, placed, order);
        for (int i = 0; i < ops.size(); i++) if (early[i] && !placed[i]) place(i, ops, producer, early, placed, order);

        // A kept view keeps the buffer it views (recomputing that buffer would leave the view on a freed one).
        for (int s = 0; s < slots; s++) if (kept[s] && aliasOf[s] >= 0) kept[aliasOf[s]] = true;

        // Per segment: the ops whose values backward reads, and those they need; where backward first reads them.
        int[] position = new int[ops.size()];
        for (int p = 0; p < order.size(); p++) position[order.get(p)] = p;
        boolean[] recompute = new boolean[ops.size()];
        int[] firstBackwardRead = new int[segments];
        Arrays.fill(firstBackwardRead, Integer.MAX_VALUE);
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        for (int s = 0; s < slots; s++) {
            if (kept[s] || producer[s] < 0 || segment[producer[s]] < 0) continue;
            for (int r : readers.get(s)) {
                if (forward[r]) continue;
                int seg = segment[producer[s]];
                firstBackwardRead[seg] = Math.min(firstBackwardRead[seg], position[r]);
                todo.push(producer[s]);
            }
        }
        while (!todo.isEmpty()) {
            int op = todo.pop();
            if (recompute[op]) continue;
            recompute[op] = true;
            for (int in : ops.get(op).inputs()) {
                if (!kept[in] && producer[in] >= 0 && segment[producer[in]] == segment[op]) todo.push(producer[in]);
            }
        }

        List<Integer> sequence = new ArrayList<>();
        List<List<Integer>> before = new ArrayList<>();                      // per position: the segments recomputed just before it
        for (int p = 0; p < order.size(); p++) before.add(new ArrayList<>());
        for (int seg = 0; seg < segments; seg++) if (firstBackwardRead[seg] != Integer.MAX_VALUE) before.get(firstBackwardRead[seg]).add(seg);
        for (int p = 0; p < order.size(); p++) {
            for (int seg : before.get(p)) {
                for (int op : order.subList(0, p)) if (recompute[op] && segment[op] == seg) sequence.add(op);
            }
            sequence.add(order.get(p));
        }
        return sequence.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Appends op i after the delayed (early) ops it reads that are not yet placed. */
    private static void place(int i, List<PlanOp> ops, int[] producer, boolean[] early, boolean[] placed, List<Integer> order) {
        if (placed[i]) return;
        placed[i] = true;
        for (int in : ops.get(i).inputs()) {
            int p = producer[in];
            if (p >= 0 && early[p]) place(p, ops, producer, early, placed, order);
        }
        order.add(i);
    }
}
