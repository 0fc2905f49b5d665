/*
 * FullOptimisation: how the world pretraining updates every weight of a model — global-norm
 * gradient clipping, AdamW at a learning rate warmed up linearly (diffusers' constant_with_warmup),
 * and an exponential moving average of the weights (diffusers' EMAModel with its default decay
 * warm-up min(decay, (1 + n)/(10 + n)); the average is what the shipped model holds, as
 * Stable Diffusion's released weights are EMA weights). Its state (weights, moments, averages)
 * goes into and comes back from a training checkpoint under a prefix.
 */
package dev.spectune.pretrain;

import dev.spectune.optim.AdamW;
import dev.spectune.optim.GradientClipping;
import dev.spectune.optim.LearningRateSchedule;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

final class FullOptimisation {

    /**
     * @param learningRate  AdamW's learning rate after warm-up
     * @param warmupSteps   linear warm-up from 0
     * @param maxGradNorm   global-norm clipping threshold
     * @param emaDecay      the moving average's decay (0: no average)
     * @param weightDecay   AdamW's decoupled weight decay
     */
    record Settings(double learningRate, int warmupSteps, double maxGradNorm, double emaDecay, double weightDecay) {}

    private final Settings settings;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> ema = new LinkedHashMap<>();
    private final AdamW adamw;
    private final LearningRateSchedule schedule;
    private int updates;                                                     // EMA updates so far

    FullOptimisation(Map<String, INDArray> params, Settings settings) {
        this.settings = settings;
        this.params = params;
        this.adamw = new AdamW(params, settings.learningRate(), 0.9, 0.999, 1e-8, settings.weightDecay());
        this.schedule = LearningRateSchedule.of("constant_with_warmup", settings.warmupSteps(), Integer.MAX_VALUE);
        if (settings.emaDecay() > 0) params.forEach((k, v) -> ema.put(k, v.dup()));
    }

    /** Clips, steps AdamW at step {@code step}'s learning rate and updates the average; returns the gradient norm before clipping. */
    double step(int step, Map<String, INDArray> gradients) {
        double norm = GradientClipping.clipByGlobalNorm(gradients.values(), settings.maxGradNorm());
        adamw.setLearningRate(learningRate(step));
        adamw.step(gradients);
        if (!ema.isEmpty()) {
            updates++;
            double decay = Math.min(settings.emaDecay(), (1.0 + updates) / (10.0 + updates));
            ema.forEach((k, avg) -> avg.muli(decay).addi(params.get(k).mul(1 - decay)));      // avg ← d·avg + (1 − d)·w
        }
        return norm;
    }

    double learningRate(int step) {
        return settings.learningRate() * (step < settings.warmupSteps() ? (step + 1.0) / settings.warmupSteps() : schedule.multiplier(step, settings.learningRate()));
    }

    /** The weights to ship: the moving average, or the weights themselves without one. */
    Map<String, INDArray> shipped() {
        return ema.isEmpty() ? params : ema;
    }

    void exportTo(String prefix, Map<String, INDArray> tensors, Map<String, Double> scalars) {
        params.forEach((k, v) -> tensors.put(prefix + "param/" + k, v.dup()));
        ema.forEach((k, v) -> tensors.put(prefix + "ema/" + k, v.dup()));
        adamw.stateTensors().forEach((k, v) -> tensors.put(prefix + "adamw/" + k, v));
        adamw.stateScalars().forEach((k, v) -> scalars.put(prefix + "adamw/" + k, v));
        scalars.put(prefix + "ema_updates", (double) updates);
    }

    /** Restores what {@link #exportTo} wrote; every weight must be there with its shape. */
    void restore(String prefix, Map<String, INDArray> tensors, Map<String, Double> scalars) {
        for (var e : params.entrySet()) {
            e.getValue().assign(require(tensors, prefix + "param/" + e.getKey(), e.getValue()));
            if (!ema.isEmpty()) ema.get(e.getKey()).assign(require(tensors, prefix + "ema/" + e.getKey(), e.getValue()));
        }
        adamw.loadState(select(tensors, prefix + "adamw/"), select(scalars, prefix + "adamw/"));
        updates = scalars.getOrDefault(prefix + "ema_updates", 0.0).intValue();
    }

    private static INDArray require(Map<String, INDArray> tensors, String key, INDArray like) {
        INDArray v = tensors.get(key);
        if (v == null || !java.util.Arrays.equals(v.shape(), like.shape())) {
            throw new dev.spectune.checkpoint.CheckpointException("checkpoint does not fit this model: " + key
                    + (v == null ? " is missing" : " has shape " + java.util.Arrays.toString(v.shape()) + ", expected " + java.util.Arrays.toString(like.shape())));
        }
        return v;
    }

    private static <V> Map<String, V> select(Map<String, V> all, String prefix) {
        Map<String, V> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }
}
