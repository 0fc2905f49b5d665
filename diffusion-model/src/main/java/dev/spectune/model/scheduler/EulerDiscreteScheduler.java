/*
 * EulerDiscreteScheduler: diffusers' EulerDiscreteScheduler (Karras et al. 2022, Algorithm 2 with
 * s_churn = 0): a first-order Euler step of the probability-flow ODE in σ-space.
 *
 *   σ_i = interp(t_i, σ(0..N−1)), σ_n = 0;  x_T = noise·√(σ_max² + 1)
 *   model input x/√(σ_i² + 1);  x̂₀ = x − σ_i·ε̂ (v: x̂₀ = −σ/√(σ²+1)·v̂ + x/(σ²+1))
 *   x_{i+1} = x + (x − x̂₀)/σ_i · (σ_{i+1} − σ_i)
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class EulerDiscreteScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];

    public EulerDiscreteScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
    }

    @Override
    public String name() {
        return "EulerDiscreteScheduler";
    }

    @Override
    public void setTimesteps(int steps) {
        timesteps = spacedTimesteps(config, schedule.size(), steps);
        sigmas = interpolatedSigmas(schedule, timesteps);
    }

    /** Euler-type schedulers keep fractional timesteps for "linspace" (np.linspace without rounding). */
    static double[] spacedTimesteps(SchedulerConfig config, int trainSteps, int steps) {
        if (!config.timestepSpacing().equals("linspace")) return Timesteps.toDouble(Timesteps.of(config.timestepSpacing(), trainSteps, steps, config.stepsOffset()));
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) t[i] = (float) ((double) (trainSteps - 1) * (steps - 1 - i) / Math.max(1, steps - 1));
        return t;
    }

    /** σ at each (possibly fractional) timestep by linear interpolation of σ(t), then a final 0. */
    static double[] interpolatedSigmas(NoiseSchedule schedule, double[] t) {
        double[] s = new double[t.length + 1];
        for (int i = 0; i < t.length; i++) {
            int lo = (int) Math.floor(t[i]);
            int hi = Math.min(lo + 1, schedule.size() - 1);
            double frac = t[i] - lo;
            s[i] = (float) (schedule.sigma(lo) * (1 - frac) + schedule.sigma(hi) * frac);
        }
        return s;
    }

    public double[] sigmas() {
        return sigmas.clone();
    }

    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public double initNoiseSigma() {
        double max = 0;
        for (double s : sigmas) max = Math.max(max, s);
        return config.timestepSpacing().equals("linspace") || config.timestepSpacing().equals("trailing") ? max : Math.sqrt(max * max + 1);
    }

    @Override
    public INDArray scaleModelInput(INDArray sample, int index) {
        double sigma = sigmas[index];
        return sample.div(Math.sqrt(sigma * sigma + 1));
    }

    @Override
    public Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise) {
        double sigma = sigmas[index];
        INDArray x0 = switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(sigma));
            case "v_prediction" -> modelOutput.mul(-sigma / Math.sqrt(sigma * sigma + 1)).addi(sample.div(sigma * sigma + 1));
            default -> modelOutput.dup();
        };
        INDArray derivative = sample.sub(x0).divi(sigma);
        double dt = sigmas[index + 1] - sigma;
        return new Step(sample.add(derivative.mul(dt)), x0);
    }
}
