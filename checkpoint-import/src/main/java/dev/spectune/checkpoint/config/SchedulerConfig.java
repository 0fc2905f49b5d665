/*
 * SchedulerConfig: a diffusers scheduler_config.json, validated, with diffusers' defaults.
 */
package dev.spectune.checkpoint.config;

import java.nio.file.Path;
import java.util.Set;

public record SchedulerConfig(String className, int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
                              String predictionType, boolean setAlphaToOne, int stepsOffset, boolean clipSample,
                              boolean skipPrkSteps, String timestepSpacing) {

    static final Set<String> BETA_SCHEDULES = Set.of("linear", "scaled_linear", "squaredcos_cap_v2");
    static final Set<String> PREDICTION_TYPES = Set.of("epsilon", "v_prediction", "sample");
    static final Set<String> SPACINGS = Set.of("leading", "trailing", "linspace");

    public SchedulerConfig {
        if (numTrainTimesteps < 1) throw new ConfigException("scheduler: num_train_timesteps must be >= 1");
        if (!BETA_SCHEDULES.contains(betaSchedule)) throw new ConfigException("scheduler: beta_schedule '" + betaSchedule + "' not one of " + BETA_SCHEDULES);
        if (!PREDICTION_TYPES.contains(predictionType)) throw new ConfigException("scheduler: prediction_type '" + predictionType + "' not one of " + PREDICTION_TYPES);
        if (!SPACINGS.contains(timestepSpacing)) throw new ConfigException("scheduler: timestep_spacing '" + timestepSpacing + "' not one of " + SPACINGS);
        if (!(betaStart > 0 && betaEnd > betaStart)) throw new ConfigException("scheduler: need 0 < beta_start < beta_end");
    }

    /** Stable Diffusion's training schedule (scaled_linear 0.00085–0.012, 1000 steps, ε), as diffusers' training scripts load it. */
    public static final SchedulerConfig STABLE_DIFFUSION_TRAINING = new SchedulerConfig("DDPMScheduler", 1000, 0.00085, 0.012, "scaled_linear",
            "epsilon", false, 1, false, false, "leading");

    public static SchedulerConfig fromJson(Path file) {
        return from(Json.read(file), "DDPMScheduler");
    }

    /**
     * A scheduler config given as JSON text (e.g. one entry of a file holding several); its class is
     * {@code _class_name} when present, else {@code defaultClass}. {@code source} names it in errors.
     */
    public static SchedulerConfig fromJson(String source, String json, String defaultClass) {
        return from(Json.parse(source, json), defaultClass);
    }

    private static SchedulerConfig from(Json j, String defaultClass) {
        return new SchedulerConfig(j.text("_class_name", defaultClass), j.integer("num_train_timesteps", 1000),
                j.number("beta_start", 0.0001), j.number("beta_end", 0.02), j.text("beta_schedule", "linear"),
                j.text("prediction_type", "epsilon"), j.bool("set_alpha_to_one", true), j.integer("steps_offset", 0),
                j.bool("clip_sample", true), j.bool("skip_prk_steps", false), j.text("timestep_spacing", "leading"));
    }
}
