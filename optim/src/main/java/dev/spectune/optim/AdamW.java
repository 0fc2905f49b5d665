/*
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), exactly as torch.optim.AdamW
 * (torch 1.13, single-tensor path) computes it:
 *
 *   step += 1;  p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1 − β1^step)) · m / (√v / √(1 − β2^step) + ε)
 */
package dev.spectune.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

public final class AdamW extends NamedOptimizer {

    private final double beta1, beta2, eps, weightDecay;
    private final Map<String, INDArray> expAvg = new LinkedHashMap<>(), expAvgSq = new LinkedHashMap<>();

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
        for (var e : params.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) continue;
            INDArray p = e.getValue();
            int step = countStep(e.getKey());
            INDArray m = expAvg.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            p.muli(1 - lr * weightDecay);
            m.muli(beta1).addi(g.mul(1 - beta1));
            v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
            double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
            INDArray denominator = Transforms.sqrt(v, true).divi(Math.sqrt(bc2)).addi(eps);
            p.subi(m.div(denominator).muli(lr / bc1));
        }
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
        for (String name : params.keySet()) {
            if (tensors.containsKey(name + "/exp_avg")) expAvg.put(name, tensors.get(name + "/exp_avg").dup());
            if (tensors.containsKey(name + "/exp_avg_sq")) expAvgSq.put(name, tensors.get(name + "/exp_avg_sq").dup());
        }
        loadScalars(scalars);
    }
}
