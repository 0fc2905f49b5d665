/*
 * SchedulerParity: the five schedulers against schedulers.safetensors — DDPM tables (betas, ᾱ),
 * add_noise and velocity at single and mixed timesteps, single steps (DDPM with given variance
 * noise, DDIM with eta 0 and 1, DDIM v-prediction), the 50-step timestep grids, and 10-step loops
 * (DDIM, PNDM, Euler, DPM++ 2M) including scale_model_input, sigmas and init_noise_sigma.
 *
 * The loops' stand-in model, read off the golden data: at loop step i the "model" returns
 * ε_i = model_output·(1 − 0.05·i) + 0.1·i, a deterministic output that changes from step to step
 * so that multistep methods are exercised. Tolerance: 1e-6 relative (Tolerances.OP_FORWARD_F64_REL).
 */
package dev.spectune.model.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.model.scheduler.DdimScheduler;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.model.scheduler.DpmSolverMultistepScheduler;
import dev.spectune.model.scheduler.EulerDiscreteScheduler;
import dev.spectune.model.scheduler.PndmScheduler;
import dev.spectune.model.scheduler.Scheduler;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SchedulerParity {
    private SchedulerParity() {}

    static final double TOL = Tolerances.OP_FORWARD_F64_REL;

    public static ParityReport run(Path folder) {
        Path file = folder.resolve("schedulers.safetensors");
        Path configs = folder.resolve("scheduler_configs.json");
        if (!Files.isRegularFile(file) || !Files.isRegularFile(configs)) {
            throw new CheckpointException(folder + ": expected schedulers.safetensors and scheduler_configs.json");
        }
        JsonNode all;
        try {
            all = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS).readTree(configs.toFile());   // Python writes -Infinity
        } catch (IOException e) {
            throw new CheckpointException(configs + ": not valid JSON: " + e.getMessage());
        }
        ParityReport r = new ParityReport("schedulers");
        try (SafetensorsFile g = SafetensorsFile.open(file)) {
            INDArray modelOutput = g.read("model_output", DataType.FLOAT), sample = g.read("sample", DataType.FLOAT);
            INDArray varianceNoise = g.read("variance_noise", DataType.FLOAT);
            INDArray x0 = g.read("x0", DataType.FLOAT), noise = g.read("noise", DataType.FLOAT);

            // DDPM: tables, forward process, single steps.
            DdpmScheduler ddpm = new DdpmScheduler(config(all, "ddpm", "DDPMScheduler"));
            r.compare("ddpm.betas", Nd4j.createFromArray(ddpm.schedule().betas()), g.read("ddpm.betas", DataType.DOUBLE), TOL);
            r.compare("ddpm.alphas_cumprod", Nd4j.createFromArray(ddpm.schedule().alphasCumprod()), g.read("ddpm.alphas_cumprod", DataType.DOUBLE), TOL);
            for (int t : new int[] {0, 1, 10, 250, 500, 999}) {
                int[] tt = {t, t};
                r.compare("ddpm.add_noise.t" + t, ddpm.addNoise(x0, noise, tt), g.read("ddpm.add_noise.t" + t, DataType.FLOAT), TOL);
                r.compare("ddpm.velocity.t" + t, ddpm.velocity(x0, noise, tt), g.read("ddpm.velocity.t" + t, DataType.FLOAT), TOL);
            }
            r.compare("ddpm.add_noise.mixed_t (t = 10, 900)", ddpm.addNoise(x0, noise, new int[] {10, 900}), g.read("ddpm.add_noise.mixed_t", DataType.FLOAT), TOL);
            for (int t : new int[] {0, 1, 10, 500, 999}) {
                Scheduler.Step s = ddpm.stepAt(modelOutput, t, sample, varianceNoise);
                r.compare("ddpm.step.t" + t + ".prev_sample", s.prevSample(), g.read("ddpm.step.t" + t + ".prev_sample", DataType.FLOAT), TOL);
                r.compare("ddpm.step.t" + t + ".pred_original_sample", s.predOriginalSample(), g.read("ddpm.step.t" + t + ".pred_original_sample", DataType.FLOAT), TOL);
            }
            ddpm.setTimesteps(50);
            r.compare("ddpm.infer50.timesteps", Nd4j.createFromArray(ddpm.timesteps()), g.read("ddpm.infer50.timesteps", DataType.DOUBLE), 0);
            for (int t : new int[] {0, 480, 980}) {
                r.compare("ddpm.infer50.step.t" + t + ".prev_sample", ddpm.stepAt(modelOutput, t, sample, varianceNoise).prevSample(),
                        g.read("ddpm.infer50.step.t" + t + ".prev_sample", DataType.FLOAT), TOL);
            }

            // DDIM single steps, eta 0 and 1, and v-prediction.
            SchedulerConfig ddimConfig = config(all, "ddim", "DDIMScheduler");
            for (double eta : new double[] {0, 1}) {
                DdimScheduler ddim = new DdimScheduler(ddimConfig, eta);
                ddim.setTimesteps(50);
                if (eta == 0) r.compare("ddim.infer50.timesteps", Nd4j.createFromArray(ddim.timesteps()), g.read("ddim.infer50.timesteps", DataType.DOUBLE), 0);
                for (int t : new int[] {1, 21, 481, 961, 981}) {
                    String p = "ddim.eta" + (int) eta + ".t" + t + ".";
                    Scheduler.Step s = ddim.stepAt(modelOutput, t, sample, varianceNoise);
                    r.compare(p + "prev_sample", s.prevSample(), g.read(p + "prev_sample", DataType.FLOAT), TOL);
                    if (g.contains(p + "pred_original_sample")) r.compare(p + "pred_original_sample", s.predOriginalSample(), g.read(p + "pred_original_sample", DataType.FLOAT), TOL);
                }
            }
            SchedulerConfig vpred = withPrediction(ddimConfig, "v_prediction");
            DdimScheduler ddimV = new DdimScheduler(vpred, 0);
            ddimV.setTimesteps(50);
            for (int t : new int[] {481, 981}) {
                r.compare("ddim_vpred.eta0.t" + t + ".prev_sample", ddimV.stepAt(modelOutput, t, sample, null).prevSample(),
                        g.read("ddim_vpred.eta0.t" + t + ".prev_sample", DataType.FLOAT), TOL);
            }

            // 10-step loops.
            loop(r, g, "ddim_loop", new DdimScheduler(ddimConfig, 0), sample, modelOutput);
            loop(r, g, "pndm", new PndmScheduler(config(all, "pndm", "PNDMScheduler")), sample, modelOutput);
            EulerDiscreteScheduler euler = new EulerDiscreteScheduler(config(all, "euler", "EulerDiscreteScheduler"));
            loop(r, g, "euler", euler, sample, modelOutput);
            r.compare("euler.sigmas", Nd4j.createFromArray(euler.sigmas()), g.read("euler.sigmas", DataType.DOUBLE), TOL);
            DpmSolverMultistepScheduler dpm = new DpmSolverMultistepScheduler(config(all, "dpmpp2m", "DPMSolverMultistepScheduler"));
            loop(r, g, "dpmpp2m", dpm, sample, modelOutput);
            r.compare("dpmpp2m.sigmas", Nd4j.createFromArray(dpm.sigmas()), g.read("dpmpp2m.sigmas", DataType.DOUBLE), TOL);
        }
        return r;
    }

    /** Runs a 10-step loop from sample·init_noise_sigma with the stand-in model and compares every step. */
    private static void loop(ParityReport r, SafetensorsFile g, String p, Scheduler s, INDArray sample, INDArray modelOutput) {
        int steps = 10;
        s.setTimesteps(steps);
        r.compare(p + ".timesteps", Nd4j.createFromArray(s.timesteps()), g.read(p + ".timesteps", DataType.DOUBLE), 0);
        r.compare(p + ".init_noise_sigma", Nd4j.scalar(s.initNoiseSigma()), g.read(p + ".init_noise_sigma", DataType.DOUBLE), TOL);
        INDArray latents = sample.mul(s.initNoiseSigma());
        for (int i = 0; i < s.timesteps().length; i++) {
            INDArray input = s.scaleModelInput(latents, i);
            if (g.contains(p + ".step" + i + ".scaled_input")) r.compare(p + ".step" + i + ".scaled_input", input, g.read(p + ".step" + i + ".scaled_input", DataType.FLOAT), TOL);
            INDArray eps = modelOutput.mul(1 - 0.05 * i).addi(0.1 * i);
            latents = s.step(eps, i, latents, null).prevSample();
            r.compare(p + ".step" + i + ".prev_sample", latents, g.read(p + ".step" + i + ".prev_sample", DataType.FLOAT), TOL);
        }
    }

    private static SchedulerConfig config(JsonNode all, String key, String className) {
        JsonNode c = all.get(key);
        if (c == null) throw new CheckpointException("scheduler_configs.json has no '" + key + "'");
        return new SchedulerConfig(className, c.path("num_train_timesteps").asInt(1000), c.path("beta_start").asDouble(),
                c.path("beta_end").asDouble(), c.path("beta_schedule").asText("linear"), c.path("prediction_type").asText("epsilon"),
                c.path("set_alpha_to_one").asBoolean(true), c.path("steps_offset").asInt(0), c.path("clip_sample").asBoolean(false),
                c.path("skip_prk_steps").asBoolean(false), c.path("timestep_spacing").asText("leading"));
    }

    private static SchedulerConfig withPrediction(SchedulerConfig c, String prediction) {
        return new SchedulerConfig(c.className(), c.numTrainTimesteps(), c.betaStart(), c.betaEnd(), c.betaSchedule(), prediction,
                c.setAlphaToOne(), c.stepsOffset(), c.clipSample(), c.skipPrkSteps(), c.timestepSpacing());
    }
}
