/*
 * BufferPool: the arrays an ExecutionPlan's intermediates live in, reused across sizes. A buffer
 * goes back after its value's last reader; a request takes the smallest free buffer of its dtype
 * that holds it, when that buffer is at most twice the request (a c-contiguous view of its first
 * elements), else a new buffer of exactly the request. A plan with fixed shapes therefore
 * allocates during its first run only, and the pool stays close to the plan's peak of
 * simultaneously live intermediates (keyed by exact length, SD-1.5's 512 px step held 2.9 GiB of
 * buffers for 1.9 GiB ever live at once).
 *
 * The free lists hold the arrays as allocated; a view handed out is traced back to its
 * allocation when it returns. (Reshaping whatever came back made a view of a view of a view,
 * run after run: ND4J resolves a view's pointer through every level, and after some hundred steps
 * a training run spent its time there.)
 */
package dev.spectune.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

final class BufferPool {

    /** A free buffer serves requests down to 1/SLACK of its size (larger ones would sit mostly unused). */
    static final long SLACK = 2;

    private record Key(DataType type, long length) {}

    private final Map<DataType, TreeMap<Long, ArrayDeque<INDArray>>> free = new HashMap<>();   // dtype -> capacity -> free allocations
    private final Map<INDArray, INDArray> allocationOf = new IdentityHashMap<>();           // a view made -> its allocation
    private final Map<INDArray, List<INDArray>> viewsOf = new IdentityHashMap<>();         // an allocation -> the views made of it
    private final Map<INDArray, Long> serial = new IdentityHashMap<>();                    // an allocation -> its place in the order of allocation
    private final Map<Key, Integer> allocated = new HashMap<>();
    private long allocatedBytes;
    private long inUseBytes, peakInUseBytes;                                                // handed out and not yet back

    /** A c-order array of the descriptor's dtype and shape: a view of a free buffer that holds it, or a new one. */
    INDArray take(LongShapeDescriptor d) {
        if (d.isEmpty()) return Nd4j.empty(d.dataType());
        long length = 1;
        for (long n : d.getShape()) length *= n;
        TreeMap<Long, ArrayDeque<INDArray>> byCapacity = free.computeIfAbsent(d.dataType(), t -> new TreeMap<>());
        Map.Entry<Long, ArrayDeque<INDArray>> fit = byCapacity.ceilingEntry(length);
        INDArray a;
        if (fit != null && fit.getKey() <= SLACK * length) {
            a = fit.getValue().pop();
            if (fit.getValue().isEmpty()) byCapacity.remove(fit.getKey());
        } else {
            a = Nd4j.createUninitialized(d.dataType(), new long[] {length}, 'c');
            serial.put(a, (long) serial.size());
            allocatedBytes += length * d.dataType().width();
            allocated.merge(new Key(d.dataType(), length), 1, Integer::sum);
        }
        inUseBytes += a.length() * d.dataType().width();
        peakInUseBytes = Math.max(peakInUseBytes, inUseBytes);
        return view(a, d.getShape());
    }

    /** {@code taken} (an array from this pool) as {@code shape}: a view the pool takes back in its place. */
    INDArray reshape(INDArray taken, long[] shape) {
        if (Arrays.equals(taken.shape(), shape)) return taken;
        INDArray allocation = allocationOf.get(taken);
        return view(allocation == null ? taken : allocation, shape);
    }

    /**
     * The first elements of {@code allocation} as a c-order array of {@code shape}, remembered as a
     * view of it. The view objects are kept and handed out again (a plan asks for the same shapes
     * from the same buffers run after run; making a view costs ND4J ~5–10 µs, a shape-info lookup
     * included). A view is handed out only while its allocation is, so never twice at once.
     */
    private INDArray view(INDArray allocation, long[] shape) {
        List<INDArray> made = viewsOf.computeIfAbsent(allocation, k -> new ArrayList<>(2));
        for (INDArray v : made) if (Arrays.equals(v.shape(), shape)) return v;
        INDArray v = Nd4j.create(allocation.data(), shape.clone(), Nd4j.getStrides(shape, 'c'), 0, 'c', allocation.dataType());
        allocationOf.put(v, allocation);
        made.add(v);
        return v;
    }

    /**
     * Puts the free buffers back in one canonical order (that of their allocation). A run takes and
     * returns buffers in the same sequence every time; starting each run from the same order, it gets
     * the same buffer for the same value every run — so the views made of them, and the views of
     * those the plan's reshapes keep, are made once instead of on every run (~1,800 reshapes and
     * ~7,000 outputs a step of a small UNet, each view ~5–10 µs to make).
     */
    void settle() {
        for (TreeMap<Long, ArrayDeque<INDArray>> byCapacity : free.values()) {
            for (var e : byCapacity.entrySet()) {
                if (e.getValue().size() < 2) continue;
                List<INDArray> sorted = new ArrayList<>(e.getValue());
                sorted.sort(java.util.Comparator.comparingLong(serial::get));
                e.setValue(new ArrayDeque<>(sorted));
            }
        }
    }

    /** Returns an array taken from this pool. */
    void release(INDArray a) {
        if (a == null || a.isEmpty()) return;
        INDArray allocation = allocationOf.get(a);
        if (allocation != null) a = allocation;
        inUseBytes -= a.length() * (long) a.dataType().width();
        serial.putIfAbsent(a, (long) serial.size());                                        // an array the pool did not make
        free.computeIfAbsent(a.dataType(), t -> new TreeMap<>()).computeIfAbsent(a.length(), k -> new ArrayDeque<>()).push(a);
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

    /** The most bytes of buffers handed out at once. */
    long peakInUseBytes() {
        return peakInUseBytes;
    }

    /** Bytes of every array this pool has allocated. */
    long bytes() {
        return allocatedBytes;
    }
}
