/*
 * PndmScheduler: diffusers' PNDMScheduler with skip_prk_steps (Stable Diffusion's default): the
 * pseudo linear multistep (PLMS) method of Liu et al. 2022. The first timestep is visited twice —
 * once to take an Euler-like step, then again at the same model timestep to average the two
 * ε estimates (the warm-up) — after which Adams–Bashforth combinations of up to four past ε are used.
 *
 *   ε' = ε₁ | (ε₁ + ε₂)/2 | (3ε₁ − ε₂)/2 | (23ε₁ − 16ε₂ + 5ε₃)/12 | (55ε₁ − 59ε₂ + 37ε₃ − 9ε₄)/24
 *   x_{t'} = √(ᾱ_{t'}/ᾱ_t)·x_t − (ᾱ_{t'} − ᾱ_t)·ε' / (ᾱ_t·√(1−ᾱ_{t'}) + √(ᾱ_t(1−ᾱ_t)ᾱ_{t'}))
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class PndmScheduler extends IntegerTimestepScheduler {

    private final List<INDArray> ets = new ArrayList<>();
    private int counter;
    private INDArray curSample;

    public PndmScheduler(SchedulerConfig config) {
        super(config);
        if (!config.skipPrkSteps()) {
            throw new IllegalArgumentException("PNDM with Runge–Kutta warm-up steps (skip_prk_steps=false) is not implemented; SD configs skip them");
        }
        if (!config.predictionType().equals("epsilon")) {
            throw new IllegalArgumentException("PNDM supports epsilon prediction, got " + config.predictionType());
        }
    }

    @Override
    public String name() {
        return "PNDMScheduler";
    }

    @Override
    public void setTimesteps(int steps) {
        inferenceSteps = steps;
        int[] base = Timesteps.of("leading", schedule.size(), steps, config.stepsOffset());     // descending
        // [t_{n−1}, t_{n−2}, t_{n−2}, …, t_0]: the second-highest timestep is repeated (diffusers' plms_timesteps).
        timesteps = new int[steps + 1];
        timesteps[0] = base[0];
        if (steps > 1) {
            timesteps[1] = base[1];
            System.arraycopy(base, 1, timesteps, 2, steps - 1);
        } else {
            timesteps = new int[] {base[0]};
        }
        ets.clear();
        counter = 0;
        curSample = null;
    }

    @Override
    public Step step(INDArray modelOutput, int index, INDArray sample, INDArray varianceNoise) {
        int ratio = schedule.size() / inferenceSteps;
        int t = timesteps[index];
        int prev = t - ratio;
        if (counter != 1) {
            if (ets.size() > 3) ets.remove(0);
            ets.add(modelOutput);
        } else {
            prev = t;
            t = t + ratio;
        }
        INDArray eps;
        int n = ets.size();
        if (n == 1 && counter == 0) {
            eps = modelOutput;
            curSample = sample;
        } else if (n == 1 && counter == 1) {
            eps = modelOutput.add(ets.get(n - 1)).divi(2);
            sample = curSample;
            curSample = null;
        } else if (n == 2) {
            eps = ets.get(1).mul(3).subi(ets.get(0)).divi(2);
        } else if (n == 3) {
            eps = ets.get(2).mul(23).subi(ets.get(1).mul(16)).addi(ets.get(0).mul(5)).divi(12);
        } else {
            eps = ets.get(n - 1).mul(55).subi(ets.get(n - 2).mul(59)).addi(ets.get(n - 3).mul(37)).subi(ets.get(n - 4).mul(9)).divi(24);
        }
        INDArray prevSample = previousSample(sample, t, prev, eps);
        counter++;
        return new Step(prevSample, null);
    }

    private INDArray previousSample(INDArray sample, int t, int prev, INDArray eps) {
        double at = schedule.alphasCumprod()[t], ap = schedule.alphaBar(prev, finalAlphaCumprod());
        double bt = 1 - at, bp = 1 - ap;
        double sampleCoeff = Math.sqrt(ap / at);
        double denominator = at * Math.sqrt(bp) + Math.sqrt(at * bt * ap);
        return sample.mul(sampleCoeff).subi(eps.mul((ap - at) / denominator));
    }
}
