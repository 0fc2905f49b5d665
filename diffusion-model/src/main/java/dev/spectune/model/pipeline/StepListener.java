/* StepListener: told after each denoising step (for progress bars and logs). */
package dev.spectune.model.pipeline;

@FunctionalInterface
public interface StepListener {
    void afterStep(int step, int total, double timestep);

    StepListener NONE = (s, t, ts) -> { };
}
