/*
 * SgdMomentum: torch.optim.SGD with momentum, dampening, Nesterov and (coupled) weight decay:
 *
 *   g ← g + wd·p;  b ← g on the first step, else μ·b + (1 − dampening)·g
 *   p ← p − lr·(g + μ·b if nesterov else b)
 */
package dev.spectune.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class SgdMomentum extends NamedOptimizer {

    private final double momentum, dampening, weightDecay;
    private final boolean nesterov;
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();

    public SgdMomentum(Map<String, INDArray> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new IllegalArgumentException("Nesterov needs momentum > 0 and zero dampening");
        super(params, lr);
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        for (var e : params.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) continue;
            INDArray p = e.getValue();
            INDArray d = weightDecay != 0 ? g.add(p.mul(weightDecay)) : g.dup();
            if (momentum != 0) {
                INDArray b = buffers.get(e.getKey());
                if (b == null) {
                    b = d.dup();
                    buffers.put(e.getKey(), b);
                } else {
                    b.muli(momentum).addi(d.mul(1 - dampening));
                }
                d = nesterov ? d.addi(b.mul(momentum)) : b;
            }
            p.subi(d.mul(lr));
        }
    }

    @Override
    public Map<String, INDArray> stateTensors() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        buffers.forEach((k, v) -> s.put(k + "/momentum_buffer", v.dup()));
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        buffers.clear();
        for (String name : params.keySet()) {
            if (tensors.containsKey(name + "/momentum_buffer")) buffers.put(name, tensors.get(name + "/momentum_buffer").dup());
        }
        loadScalars(scalars);
    }
}
