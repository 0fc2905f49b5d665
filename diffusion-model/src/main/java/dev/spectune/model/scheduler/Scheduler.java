/*
 * Scheduler: what a sampling loop needs from a scheduler, in diffusers' terms.
 *
 *   setTimesteps(n); latents = noise · initNoiseSigma()
 *   for i in 0..timesteps().length: x = scaleModelInput(latents, i); ε = unet(x, timesteps()[i]);
 *                                   latents = step(ε, i, latents, varianceNoise).prevSample()
 */
package dev.spectune.model.scheduler;

import org.nd4j.linalg.api.ndarray.INDArray;

public interface Scheduler {

    /** The step result: x_{t−1} and, where the scheduler computes it, the x₀ prediction. */
    record Step(INDArray prevSample, INDArray predOriginalSample) {}

    /** diffusers' class name (DDIMScheduler, …). */
    String name();

    void setTimesteps(int steps);

    /** The model timesteps of the current schedule (float for Euler-type schedulers). */
    double[] timesteps();

    double initNoiseSigma();

    /** Input scaling for step {@code index} (identity except for sigma-based schedulers). */
    INDArray scaleModelInput(INDArray sample, int index);

    /**
     * One denoising step at step {@code index} of the schedule.
     *
     * @param varianceNoise noise for stochastic schedulers (DDPM, DDIM with eta &gt; 0), else null
     */
    Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise);
}
