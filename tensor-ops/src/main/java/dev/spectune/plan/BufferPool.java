/*
 * BufferPool: the arrays an ExecutionPlan's intermediates live in, reused by shape. A buffer goes
 * back after its value's last reader and is handed to the next op output of the same dtype and
 * length (reshaped: every pooled array is c-contiguous); a plan with fixed shapes therefore allocates during its first run only. The pool is
 * bounded by the plan's peak of simultaneously live intermediates (it never holds more than the
 * first run needed at once).
 *
 * The free lists hold the arrays as allocated; a reshaped view handed out is traced back to its
 * allocation when it returns. (Reshaping whatever came back made a view of a view of a view, run
 * after run: ND4J resolves a view's pointer through every level, and after some hundred steps a
 * training run spent its time there.)
 */
package dev.spectune.plan;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

final class BufferPool {

    private record Key(DataType type, long length) {}

    private final Map<Key, ArrayDeque<INDArray>> free = new HashMap<>();
    private final Map<INDArray, INDArray> allocationOf = new java.util.IdentityHashMap<>();   // a view handed out -> its allocation
    private final Map<Key, Integer> allocated = new HashMap<>();
    private long allocatedBytes;

    /** A c-order array of the descriptor's dtype and shape: a free one of that shape, or a new one. */
    INDArray take(LongShapeDescriptor d) {
        if (d.isEmpty()) return Nd4j.empty(d.dataType());
        long length = 1;
        for (long n : d.getShape()) length *= n;
        ArrayDeque<INDArray> q = free.get(new Key(d.dataType(), length));
        if (q != null && !q.isEmpty()) {
            INDArray a = q.pop();
            return reshape(a, d.getShape());                                                                    // a view of the same buffer
        }
        INDArray a = Nd4j.createUninitialized(d.dataType(), d.getShape().clone(), 'c');
        allocatedBytes += a.length() * (long) d.dataType().width();
        allocated.merge(new Key(d.dataType(), length), 1, Integer::sum);
        return a;
    }

    /** {@code taken} (an array from this pool) as {@code shape}: a view the pool takes back in its place. */
    INDArray reshape(INDArray taken, long[] shape) {
        if (Arrays.equals(taken.shape(), shape)) return taken;
        INDArray allocation = allocationOf.remove(taken);
        if (allocation == null) allocation = taken;
        INDArray view = allocation.reshape('c', shape.clone());
        allocationOf.put(view, allocation);
        return view;
    }

    /** Returns an array taken from this pool. */
    void release(INDArray a) {
        if (a == null || a.isEmpty()) return;
        INDArray allocation = allocationOf.remove(a);
        if (allocation != null) a = allocation;
        free.computeIfAbsent(new Key(a.dataType(), a.length()), k -> new ArrayDeque<>()).push(a);
    }

    /** The {@code top} buffer lengths holding the most bytes: "count x length dtype = MiB" each. */
    String largest(int top) {
        return allocated.entrySet().stream()
                .sorted((x, y) -> Long.compare(bytes(y), bytes(x))).limit(top)
                .map(e -> String.format("%d x %,d %s = %.1f MiB", e.getValue(), e.getKey().length(), e.getKey().type(), bytes(e) / 1048576.0))
                .collect(java.util.stream.Collectors.joining("; "));
    }

    private static long bytes(Map.Entry<Key, Integer> e) {
        return e.getValue() * e.getKey().length() * e.getKey().type().width();
    }

    /** Bytes of every array this pool has allocated. */
    long bytes() {
        return allocatedBytes;
    }
}
