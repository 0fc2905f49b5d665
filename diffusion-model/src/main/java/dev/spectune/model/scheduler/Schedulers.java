/*
 * Schedulers: a scheduler from a scheduler_config.json's class name, or from a user's short name
 * (ddpm, ddim, pndm, euler, dpmpp2m) applied to a model's config.
 */
package dev.spectune.model.scheduler;

import dev.spectune.checkpoint.config.SchedulerConfig;
import java.util.List;

public final class Schedulers {
    private Schedulers() {}

    public static final List<String> NAMES = List.of("ddpm", "ddim", "pndm", "euler", "dpmpp2m");

    public static Scheduler fromConfig(SchedulerConfig c) {
        return switch (c.className()) {
            case "DDPMScheduler" -> new DdpmScheduler(c);
            case "DDIMScheduler" -> new DdimScheduler(c, 0.0);
            case "PNDMScheduler" -> new PndmScheduler(c);
            case "EulerDiscreteScheduler" -> new EulerDiscreteScheduler(c);
            case "DPMSolverMultistepScheduler" -> new DpmSolverMultistepScheduler(c);
            default -> throw new IllegalArgumentException("unsupported scheduler class '" + c.className() + "' (supported: DDPM, DDIM, PNDM, EulerDiscrete, DPMSolverMultistep)");
        };
    }

    /** The named scheduler with the model's training schedule (betas, offsets) from {@code base}. */
    public static Scheduler byName(String name, SchedulerConfig base, double eta) {
        String spacing = switch (name) {
            case "euler", "dpmpp2m" -> "linspace";
            default -> "leading";
        };
        SchedulerConfig c = new SchedulerConfig(className(name), base.numTrainTimesteps(), base.betaStart(), base.betaEnd(),
                base.betaSchedule(), base.predictionType(), base.setAlphaToOne(), base.stepsOffset(), base.clipSample(), true,
                name.equals(base.className()) ? base.timestepSpacing() : spacing);
        return name.equals("ddim") ? new DdimScheduler(c, eta) : fromConfig(c);
    }

    public static String className(String name) {
        return switch (name) {
            case "ddpm" -> "DDPMScheduler";
            case "ddim" -> "DDIMScheduler";
            case "pndm" -> "PNDMScheduler";
            case "euler" -> "EulerDiscreteScheduler";
            case "dpmpp2m" -> "DPMSolverMultistepScheduler";
            default -> throw new IllegalArgumentException("unknown scheduler '" + name + "' (choose one of " + NAMES + ")");
        };
    }
}
