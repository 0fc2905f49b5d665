/*
 * NoiseSchedule: the β_t, α_t = 1 − β_t and ᾱ_t = Π α of a diffusion model's training process, for
 * the beta schedules SD configs name (diffusers' SchedulerMixin tables).
 *
 *   linear             β = linspace(β_start, β_end, N)
 *   scaled_linear      β = linspace(√β_start, √β_end, N)²          (Stable Diffusion)
 *   squaredcos_cap_v2  β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999), ᾱ(t) = cos²((t/N + 0.008)/1.008 · π/2)
 * Values are rounded to float32 where torch holds them in float32; ᾱ accumulates in double (as
 * torch.cumprod does for float32 on CPU) and is rounded per entry.
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;

public record NoiseSchedule(double[] betas, double[] alphasCumprod) {

    public static NoiseSchedule of(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        double[] betas = new double[n];
        switch (c.betaSchedule()) {
            case "linear" -> {
                for (int i = 0; i < n; i++) betas[i] = (float) linspace(c.betaStart(), c.betaEnd(), n, i);
            }
            case "scaled_linear" -> {
                for (int i = 0; i < n; i++) {
                    float root = (float) linspace(Math.sqrt(c.betaStart()), Math.sqrt(c.betaEnd()), n, i);
                    betas[i] = root * root;
                }
            }
            case "squaredcos_cap_v2" -> {
                for (int i = 0; i < n; i++) {
                    double t1 = (double) i / n, t2 = (double) (i + 1) / n;
                    betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
                }
            }
            default -> throw new IllegalArgumentException("unknown beta_schedule '" + c.betaSchedule() + "'");
        }
        double[] cumprod = new double[n];
        double acc = 1;
        for (int i = 0; i < n; i++) {
            acc *= (float) (1.0f - (float) betas[i]);
            cumprod[i] = (float) acc;
        }
        return new NoiseSchedule(betas, cumprod);
    }

    private static double linspace(double start, double end, int n, int i) {
        return n == 1 ? start : start + (end - start) * i / (n - 1);
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    public int size() {
        return betas.length;
    }

    /** ᾱ_t, with ᾱ_{−1} taken as {@code finalAlpha} (1 or ᾱ_0, per set_alpha_to_one). */
    public double alphaBar(int t, double finalAlpha) {
        return t >= 0 ? alphasCumprod[t] : finalAlpha;
    }

    /** σ_t = √((1 − ᾱ_t)/ᾱ_t), the k-diffusion noise level (float32 as torch computes it). */
    public double sigma(int t) {
        float a = (float) alphasCumprod[t];
        return (float) Math.sqrt((1f - a) / a);
    }
}
