/*
 * SamplingOptions: how `world score`, `demo` and `compare` sample the world model (a picocli
 * mixin, one set of option lines for all three): sampler steps, classifier-free guidance and the
 * scheduler (default: the model's own scheduler config, as diffusers' pipeline does).
 */
package dev.spectune.cli.world;

import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.scheduler.Schedulers;
import picocli.CommandLine.Option;

public final class SamplingOptions {
    @Option(names = "--sample-steps", defaultValue = "" + WorldSamples.Sampling.DEFAULT_STEPS, description = "Sampler steps (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--guidance", defaultValue = "" + WorldSamples.Sampling.DEFAULT_GUIDANCE, description = "Classifier-free guidance scale (default ${DEFAULT-VALUE}).") double guidance;
    @Option(names = "--scheduler", description = "Sampler: one of ddpm, ddim, pndm, euler, dpmpp2m (default: the model's own scheduler config).") String scheduler;

    /** The sampling of images {@code side} pixels wide (checks the scheduler's name). */
    public WorldSamples.Sampling at(int side) {
        if (steps < 1) throw new IllegalArgumentException("--sample-steps must be >= 1, got " + steps);
        return new WorldSamples.Sampling(steps, guidance, side, scheduler);
    }

    /** The diffusers class name of the scheduler that samples with {@code pipe}. */
    public String schedulerClass(StableDiffusionPipeline pipe) {
        return scheduler == null ? pipe.schedulerConfig().className() : Schedulers.className(scheduler);
    }
}
