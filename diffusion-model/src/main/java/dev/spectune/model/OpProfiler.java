/*
 * OpProfiler: a SameDiff listener that adds up wall time per op type (conv2d, matmul, …) while a
 * graph runs — where a forward or backward pass spends its time.
 */
package dev.spectune.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

public final class OpProfiler extends BaseListener {

    public record Entry(String op, long nanos, long calls) {}

    private final Map<String, long[]> totals = new HashMap<>();
    private long started;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long elapsed = System.nanoTime() - started;
        long[] t = totals.computeIfAbsent(op.getOp().opName(), k -> new long[2]);
        t[0] += elapsed;
        t[1]++;
    }

    public void reset() {
        totals.clear();
    }

    /** Op types by total time, largest first. */
    public List<Entry> ranking() {
        List<Entry> out = new ArrayList<>();
        totals.forEach((k, v) -> out.add(new Entry(k, v[0], v[1])));
        out.sort((a, b) -> Long.compare(b.nanos(), a.nanos()));
        return out;
    }

    public long totalNanos() {
        return totals.values().stream().mapToLong(v -> v[0]).sum();
    }
}
