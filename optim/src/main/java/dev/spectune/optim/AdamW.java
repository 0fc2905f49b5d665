/*
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), exactly as torch.optim.AdamW
 * (torch 1.13, single-tensor path) computes it:
 *
 *   step += 1;  p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1 − β1^step)) · m / (√v / √(1 − β2^step) + ε)
 *
 * Two paths with the same arithmetic. The reference ({@link #stepEach}) runs those ops tensor by
 * tensor, in torch's order. The fast path ({@link #stepFlat}) runs the same ops, in the same order,
 * once over all tensors laid end to end (torch's "foreach" idea): every op is elementwise, so each
 * element sees the same float operations and the result is the same bits, in ~15 ND4J calls
 * instead of ~11 per tensor (a LoRA on 64 layers has 256 tensors: 2,800 calls, ~70 ms a step at
 * small widths). The moments then live in one buffer each, and the maps hold views of it. The flat
 * path applies when every parameter has a gradient and all are at the same step (always, in the
 * trainer); otherwise the reference runs.
 */
package dev.spectune.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

public final class AdamW extends NamedOptimizer {

    private final double beta1, beta2, eps, weightDecay;
    private final Map<String, INDArray> expAvg = new LinkedHashMap<>(), expAvgSq = new LinkedHashMap<>();
    private INDArray flatExpAvg, flatExpAvgSq;                                   // [Σ numel], null until the first flat step

    public AdamW(Map<String, INDArray> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (lr < 0 || eps < 0 || weightDecay < 0) throw new IllegalArgumentException("lr, eps and weight decay must be >= 0");
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("betas must be in [0, 1)");
        super(params, lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public static AdamW withDefaults(Map<String, INDArray> params, double lr) {
        return new AdamW(params, lr, 0.9, 0.999, 1e-8, 1e-2);
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        if (flatApplies(gradients)) stepFlat(gradients);
        else stepEach(gradients);
    }

    /** The reference: torch's ops, one tensor at a time. */
    void stepEach(Map<String, INDArray> gradients) {
        for (var e : params.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) continue;
            INDArray p = e.getValue();
            int step = countStep(e.getKey());
            INDArray m = expAvg.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            update(p, g, m, v, step);
        }
    }

    /** The same ops over every parameter at once ([Σ numel] copies of parameters and gradients), then the parameters written back. */
    void stepFlat(Map<String, INDArray> gradients) {
        List<INDArray> ps = new ArrayList<>(params.size()), gs = new ArrayList<>(params.size());
        int step = 0;
        for (var e : params.entrySet()) {
            ps.add(e.getValue());
            gs.add(gradients.get(e.getKey()));
            step = countStep(e.getKey());
        }
        flattenState();
        INDArray p = Nd4j.toFlattened('c', ps), g = Nd4j.toFlattened('c', gs);      // [Σ numel]
        update(p, g, flatExpAvg, flatExpAvgSq, step);
        long offset = 0;
        for (INDArray param : ps) {
            param.assign(slab(p, offset, param.shape()));
            offset += param.length();
        }
    }

    private void update(INDArray p, INDArray g, INDArray m, INDArray v, int step) {
        p.muli(1 - lr * weightDecay);
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(bc2)).addi(eps);
        p.subi(m.div(denominator).muli(lr / bc1));
    }

    /** Every parameter has a gradient, all share one step count and one data type, and there is more than one. */
    private boolean flatApplies(Map<String, INDArray> gradients) {
        if (params.size() < 2) return false;
        Integer common = null;
        var type = params.values().iterator().next().dataType();
        for (var e : params.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null || e.getValue().dataType() != type || g.dataType() != type || g.length() != e.getValue().length()) return false;
            int s = steps.getOrDefault(e.getKey(), 0);
            if (common == null) common = s;
            else if (common != s) return false;
        }
        return true;
    }

    /** Moves the moments into one buffer each (keeping their values) and points the maps at views of it; once. */
    private void flattenState() {
        if (flatExpAvg != null) return;
        long total = 0;
        for (INDArray p : params.values()) total += p.length();
        var type = params.values().iterator().next().dataType();
        flatExpAvg = Nd4j.zeros(type, total);
        flatExpAvgSq = Nd4j.zeros(type, total);
        long offset = 0;
        for (var e : params.entrySet()) {
            long[] shape = e.getValue().shape();
            INDArray m = slab(flatExpAvg, offset, shape), v = slab(flatExpAvgSq, offset, shape);
            if (expAvg.containsKey(e.getKey())) m.assign(expAvg.get(e.getKey()));
            if (expAvgSq.containsKey(e.getKey())) v.assign(expAvgSq.get(e.getKey()));
            expAvg.put(e.getKey(), m);
            expAvgSq.put(e.getKey(), v);
            offset += e.getValue().length();
        }
    }

    /** A c-ordered view [shape] of {@code flat}'s elements from {@code offset}. */
    private static INDArray slab(INDArray flat, long offset, long[] shape) {
        return Nd4j.create(flat.data(), shape.clone(), Nd4j.getStrides(shape, 'c'), offset, 'c');
    }

    @Override
    public Map<String, INDArray> stateTensors() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        expAvg.forEach((k, v) -> s.put(k + "/exp_avg", v.dup()));
        expAvgSq.forEach((k, v) -> s.put(k + "/exp_avg_sq", v.dup()));
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        expAvg.clear();
        expAvgSq.clear();
        flatExpAvg = flatExpAvgSq = null;                                         // the next flat step lays them out again
        for (String name : params.keySet()) {
            if (tensors.containsKey(name + "/exp_avg")) expAvg.put(name, tensors.get(name + "/exp_avg").dup());
            if (tensors.containsKey(name + "/exp_avg_sq")) expAvgSq.put(name, tensors.get(name + "/exp_avg_sq").dup());
        }
        loadScalars(scalars);
    }
}
