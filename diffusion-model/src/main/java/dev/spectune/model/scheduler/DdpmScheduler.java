/*
 * DdpmScheduler: diffusers' DDPMScheduler — the training-time forward process (add_noise,
 * get_velocity) and ancestral sampling with the "fixed_small" variance (Ho et al. 2020, eq. 6–7).
 *
 *   add_noise:  x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε          velocity: v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀
 *   step:       x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t   (or √ᾱ_t·x_t − √(1−ᾱ_t)·v̂ for v-prediction)
 *               μ = √ᾱ_{t'}·β̄_t/(1−ᾱ_t)·x̂₀ + √α̅_t/ᾱ_{t'}… (the posterior mean), t' the previous timestep
 *               x_{t'} = μ + √(max(σ², 1e−20))·z for t > 0, σ² = (1−ᾱ_{t'})/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_{t'})
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class DdpmScheduler extends IntegerTimestepScheduler {

    public DdpmScheduler(SchedulerConfig config) {
        super(config);
        int n = schedule.size();
        this.timesteps = new int[n];
        for (int i = 0; i < n; i++) timesteps[i] = n - 1 - i;
    }

    @Override
    public String name() {
        return "DDPMScheduler";
    }

    /** x_t for each batch element's own timestep. x₀, noise: [B, …]; t: one per batch element. */
    public INDArray addNoise(INDArray x0, INDArray noise, int[] t) {
        return perBatch(x0, noise, t, false);
    }

    /** The v-prediction target √ᾱ_t·ε − √(1−ᾱ_t)·x₀. */
    public INDArray velocity(INDArray x0, INDArray noise, int[] t) {
        return perBatch(x0, noise, t, true);
    }

    private INDArray perBatch(INDArray x0, INDArray noise, int[] t, boolean velocity) {
        if (t.length != x0.size(0)) throw new IllegalArgumentException(t.length + " timesteps for a batch of " + x0.size(0));
        INDArray out = Nd4j.createUninitialized(x0.dataType(), x0.shape());
        for (int b = 0; b < t.length; b++) {
            double a = schedule.alphasCumprod()[t[b]];
            double sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1 - a);
            INDArray x = x0.slice(b), e = noise.slice(b);
            out.slice(b).assign(velocity ? e.mul(sa).subi(x.mul(sb)) : x.mul(sa).addi(e.mul(sb)));
        }
        return out;
    }

    private int previousTimestep(int t) {
        return inferenceSteps > 0 ? t - schedule.size() / inferenceSteps : t - 1;   // before setTimesteps: every training step
    }

    @Override
    public Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise) {
        return stepAt(modelOutput, timesteps[index], sample, varianceNoise);
    }

    /**
     * x̂₀, the clean sample the model output implies at timestep t from the prediction type
     * (diffusers' "pred_original_sample", before clipping).
     */
    public INDArray predictedOriginal(INDArray modelOutput, int t, INDArray sample) {
        float at = (float) schedule.alphasCumprod()[t], bt = 1f - at;
        return switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(sqrt(bt))).divi(sqrt(at));
            case "v_prediction" -> sample.mul(sqrt(at)).subi(modelOutput.mul(sqrt(bt)));
            default -> modelOutput.dup();
        };
    }

    /** The step at model timestep t (diffusers' step(model_output, t, sample)). */
    public Step stepAt(INDArray modelOutput, int t, INDArray sample, INDArray varianceNoise) {
        // The coefficients are float32 arithmetic, as diffusers computes them on float32 tensors:
        // 1 − ᾱ_t/ᾱ_{t'} cancels badly near t = 0 and the result depends on that rounding.
        int prev = previousTimestep(t);
        float at = (float) schedule.alphasCumprod()[t];
        float ap = prev >= 0 ? (float) schedule.alphasCumprod()[prev] : 1.0f;
        float bt = 1f - at, bp = 1f - ap;
        float currentAlpha = at / ap, currentBeta = 1f - currentAlpha;
        INDArray x0 = predictedOriginal(modelOutput, t, sample);
        if (config.clipSample()) x0 = org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(x0, -1.0), 1.0);
        float x0Coeff = sqrt(ap) * currentBeta / bt;
        float sampleCoeff = sqrt(currentAlpha) * bp / bt;
        INDArray prevSample = x0.mul(x0Coeff).addi(sample.mul(sampleCoeff));
        if (t > 0) {
            if (varianceNoise == null) throw new IllegalArgumentException("DDPM step at t > 0 needs variance noise");
            float variance = Math.max(bp / bt * currentBeta, 1e-20f);
            prevSample.addi(varianceNoise.mul(sqrt(variance)));
        }
        return new Step(prevSample, x0);
    }

    private static float sqrt(float v) {
        return (float) Math.sqrt(v);
    }
}
