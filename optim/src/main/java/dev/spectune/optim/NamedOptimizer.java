/*
 * NamedOptimizer: what every optimizer here shares — the named parameters it owns, the learning
 * rate, and per-parameter step counters (the bias corrections of the Adam variants) — with their
 * checkpoint form: scalars "param/step" and "lr". Subclasses add their own buffers.
 */
package dev.spectune.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

abstract sealed class NamedOptimizer implements Optimizer permits AdamW, SgdMomentum, StiefelAdam, StiefelSgd {

    protected final Map<String, INDArray> params;
    protected final Map<String, Integer> steps = new LinkedHashMap<>();
    protected double lr;

    NamedOptimizer(Map<String, INDArray> params, double lr) {
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
    }

    @Override
    public final Map<String, INDArray> parameters() {
        return params;
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        this.lr = lr;
    }

    /** This parameter's step number after counting one more step (1 on its first). */
    protected final int countStep(String name) {
        return steps.merge(name, 1, Integer::sum);
    }

    @Override
    public final Map<String, Double> stateScalars() {
        Map<String, Double> s = new LinkedHashMap<>();
        steps.forEach((k, v) -> s.put(k + "/step", (double) v));
        s.put("lr", lr);
        return s;
    }

    /** Restores the step counters and the learning rate that {@link #stateScalars} wrote. */
    protected final void loadScalars(Map<String, Double> scalars) {
        steps.clear();
        for (String name : params.keySet()) {
            if (scalars.containsKey(name + "/step")) steps.put(name, scalars.get(name + "/step").intValue());
        }
        if (scalars.containsKey("lr")) lr = scalars.get("lr");
    }
}
