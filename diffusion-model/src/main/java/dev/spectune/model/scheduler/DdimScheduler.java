/*
 * DdimScheduler: diffusers' DDIMScheduler (Song et al. 2021, eq. 12), ε- and v-prediction, eta ≥ 0.
 *
 *   x̂₀ = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t,  ε̂ as predicted (v: x̂₀ = √ᾱ_t·x_t − √(1−ᾱ_t)·v̂, ε̂ = √ᾱ_t·v̂ + √(1−ᾱ_t)·x_t)
 *   σ = η·√((1−ᾱ_{t'})/(1−ᾱ_t)·(1 − ᾱ_t/ᾱ_{t'}))
 *   x_{t'} = √ᾱ_{t'}·x̂₀ + √(1−ᾱ_{t'}−σ²)·ε̂ + σ·z,   ᾱ_{t'<0} = 1 if set_alpha_to_one else ᾱ_0
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DdimScheduler extends IntegerTimestepScheduler {

    private final double eta;

    public DdimScheduler(SchedulerConfig config, double eta) {
        super(config);
        if (eta < 0) throw new IllegalArgumentException("DDIM eta must be >= 0, got " + eta);
        this.eta = eta;
    }

    @Override
    public String name() {
        return "DDIMScheduler";
    }

    @Override
    public Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise) {
        return stepAt(modelOutput, timesteps[index], sample, varianceNoise);
    }

    public Step stepAt(INDArray modelOutput, int t, INDArray sample, INDArray varianceNoise) {
        if (inferenceSteps == 0) throw new IllegalStateException("call setTimesteps before step");
        int prev = t - schedule.size() / inferenceSteps;
        double at = schedule.alphasCumprod()[t], ap = schedule.alphaBar(prev, finalAlphaCumprod()), bt = 1 - at;
        INDArray x0, eps;
        switch (config.predictionType()) {
            case "epsilon" -> {
                x0 = sample.sub(modelOutput.mul(Math.sqrt(bt))).divi(Math.sqrt(at));
                eps = modelOutput;
            }
            case "v_prediction" -> {
                x0 = sample.mul(Math.sqrt(at)).subi(modelOutput.mul(Math.sqrt(bt)));
                eps = modelOutput.mul(Math.sqrt(at)).addi(sample.mul(Math.sqrt(bt)));
            }
            default -> {
                x0 = modelOutput.dup();
                eps = sample.sub(x0.mul(Math.sqrt(at))).divi(Math.sqrt(bt));
            }
        }
        double variance = (1 - ap) / bt * (1 - at / ap);
        double std = eta * Math.sqrt(variance);
        INDArray prevSample = x0.mul(Math.sqrt(ap)).addi(eps.mul(Math.sqrt(1 - ap - std * std)));
        if (eta > 0) {
            if (varianceNoise == null) throw new IllegalArgumentException("DDIM with eta > 0 needs variance noise");
            prevSample.addi(varianceNoise.mul(std));
        }
        return new Step(prevSample, x0);
    }
}
