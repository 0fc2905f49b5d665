/*
 * DpmSolverMultistepScheduler: diffusers' DPMSolverMultistepScheduler as "DPM++ 2M" — algorithm
 * dpmsolver++, solver_order 2, midpoint solver type, lower-order final steps (Lu et al. 2022,
 * "DPM-Solver++", Algorithm 2) — in the data-prediction (x₀) parameterisation.
 *
 *   α_t = 1/√(σ²+1), σ_t = σ·α_t, λ = log α_t − log σ_t, h = λ_{i+1} − λ_i
 *   first order:  x_{i+1} = (s_{i+1}/s_i)·x − α_{i+1}(e^{−h} − 1)·D0,  s = σ·α the VP noise level
 *   second order: … − ½·α_{i+1}(e^{−h} − 1)·D1, D0 = x̂₀_i, D1 = (x̂₀_i − x̂₀_{i−1})·h/h_{i−1}
 * The last σ is σ(t=0) (final_sigmas_type "sigma_min" of diffusers 0.25).
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DpmSolverMultistepScheduler implements Scheduler {

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];
    private INDArray previousX0;
    private int lowerOrderNums;

    public DpmSolverMultistepScheduler(SchedulerConfig config) {
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
    }

    @Override
    public String name() {
        return "DPMSolverMultistepScheduler";
    }

    @Override
    public void setTimesteps(int steps) {
        int train = schedule.size();
        int[] t = new int[steps];
        if (config.timestepSpacing().equals("linspace")) {
            // np.linspace(0, N − 1, n + 1).round()[::-1][:-1]
            for (int i = 0; i < steps; i++) t[i] = (int) Math.rint((double) (train - 1) * (steps - i) / steps);
        } else {
            t = Timesteps.of(config.timestepSpacing(), train, steps, config.stepsOffset());
        }
        timesteps = Timesteps.toDouble(t);
        double[] s = EulerDiscreteScheduler.interpolatedSigmas(schedule, timesteps);
        s[steps] = schedule.sigma(0);
        sigmas = s;
        previousX0 = null;
        lowerOrderNums = 0;
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
        return 1.0;
    }

    @Override
    public INDArray scaleModelInput(INDArray sample, int index) {
        return sample;
    }

    private static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    private static double lambda(double sigma) {
        double a = alpha(sigma);
        return Math.log(a) - Math.log(sigma * a);
    }

    @Override
    public Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise) {
        double sigma = sigmas[index], alphaT = alpha(sigma), sigmaT = sigma * alphaT;
        INDArray x0 = switch (config.predictionType()) {
            case "epsilon" -> sample.sub(modelOutput.mul(sigmaT)).divi(alphaT);
            case "v_prediction" -> sample.mul(alphaT).subi(modelOutput.mul(sigmaT));
            default -> modelOutput.dup();
        };
        int n = timesteps.length;
        boolean lowerOrderFinal = index == n - 1 && n < 15;
        boolean lowerOrderSecond = index == n - 2 && n < 15;
        double next = sigmas[index + 1];
        double alphaNext = alpha(next), h = lambda(next) - lambda(sigma);
        double expm = Math.exp(-h) - 1.0;
        double ratio = (next * alphaNext) / sigmaT;
        INDArray prev;
        if (lowerOrderNums < 1 || lowerOrderFinal || previousX0 == null) {
            prev = sample.mul(ratio).subi(x0.mul(alphaNext * expm));
        } else {
            double h0 = lambda(sigma) - lambda(sigmas[index - 1]);
            double r0 = h0 / h;
            INDArray d1 = x0.sub(previousX0).divi(r0);
            prev = sample.mul(ratio).subi(x0.mul(alphaNext * expm)).subi(d1.mul(0.5 * alphaNext * expm));
        }
        if (lowerOrderNums < 2) lowerOrderNums++;
        previousX0 = x0;
        return new Step(prev, x0);
    }
}
