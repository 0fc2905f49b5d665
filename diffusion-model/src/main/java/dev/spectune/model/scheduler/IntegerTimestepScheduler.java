/*
 * IntegerTimestepScheduler: what DDPM, DDIM and PNDM share — a ᾱ table, integer model timesteps on
 * the config's spacing, unit initial noise and unscaled model input.
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

abstract class IntegerTimestepScheduler implements Scheduler {

    protected final SchedulerConfig config;
    protected final NoiseSchedule schedule;
    protected int[] timesteps = new int[0];
    protected int inferenceSteps;

    IntegerTimestepScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public void setTimesteps(int steps) {
        inferenceSteps = steps;
        timesteps = Timesteps.of(config.timestepSpacing(), schedule.size(), steps, config.stepsOffset());
    }

    @Override
    public double[] timesteps() {
        return Timesteps.toDouble(timesteps);
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public INDArray scaleModelInput(INDArray sample, int index) {
        return sample;
    }

    /** ᾱ before the first timestep: 1 with set_alpha_to_one, else ᾱ_0. */
    protected double finalAlphaCumprod() {
        return config.setAlphaToOne() ? 1.0 : schedule.alphasCumprod()[0];
    }
}
