/*
 * SchedulerParity: the five schedulers against schedulers.safetensors and scheduler_configs.json
 * (diffusers' DDPMScheduler, DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler and
 * DPMSolverMultistepScheduler). Every setting comes from the files: the configs through the same
 * reader a model folder's scheduler_config.json goes through, and the timesteps, inference-step
 * counts and η values from the tensor names the generator wrote:
 *
 *   ddpm.betas, ddpm.alphas_cumprod                      the training tables
 *   ddpm.add_noise.t<T>, ddpm.velocity.t<T>              forward process at t = T (whole batch)
 *   ddpm.add_noise.mixed_t, ddpm.velocity.mixed_t        one t per batch element: the t of each element
 *                                                        is recovered from the stored result (the ᾱ_t
 *                                                        whose √ᾱ·x0 + √(1−ᾱ)·ε fits best), then compared
 *   ddpm.step.t<T>.<out>                                 one step at T on the training grid
 *   <s>.infer<N>.timesteps, ddpm.infer<N>.step.t<T>.<out> N inference steps (DDPM, DDIM)
 *   ddim.eta<η>.t<T>.<out>, ddim_vpred.eta<η>.t<T>.<out>  DDIM steps on ddim.infer<N>'s grid
 *   <loop>.timesteps/.init_noise_sigma/.sigmas/.step<i>.<prev_sample|scaled_input>
 *                                                        a loop from sample·init_noise_sigma, as many
 *                                                        inference steps as <loop>.timesteps says
 *
 * with <out> prev_sample or pred_original_sample, and inputs model_output, sample, variance_noise,
 * x0, noise. The loops' stand-in model, the generator's: at loop step i it returns
 * ε_i = model_output·(1 − 0.05·i) + 0.1·i, so that multistep methods are exercised.
 * A tensor of any other name is not interpreted and fails the run by its name.
 * Tolerance: 1e-6 relative (Tolerances.OP_FORWARD_F64_REL); timesteps exactly.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.model.scheduler.DdimScheduler;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.model.scheduler.Scheduler;
import dev.spectune.model.scheduler.Schedulers;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class SchedulerParity {
    private SchedulerParity() {}

    static final double TOL = Tolerances.OP_FORWARD_F64_REL;

    private static final Pattern FORWARD = Pattern.compile("ddpm\\.(add_noise|velocity)\\.(t(\\d+)|mixed_t)");
    private static final Pattern DDPM_STEP = Pattern.compile("ddpm\\.(?:infer(\\d+)\\.)?step\\.t(\\d+)\\.(prev_sample|pred_original_sample)");
    private static final Pattern INFER_GRID = Pattern.compile("(ddpm|ddim)\\.infer(\\d+)\\.timesteps");
    private static final Pattern DDIM_STEP = Pattern.compile("(ddim|ddim_vpred)\\.eta([0-9.]+?)\\.t(\\d+)\\.(prev_sample|pred_original_sample)");
    private static final Pattern LOOP_STEP = Pattern.compile("(\\w+)\\.step(\\d+)\\.(prev_sample|scaled_input)");

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
        try (GoldenFile g = r.open(file)) {
            INDArray modelOutput = g.get("model_output", DataType.FLOAT), sample = g.get("sample", DataType.FLOAT);
            INDArray varianceNoise = g.get("variance_noise", DataType.FLOAT);
            INDArray x0 = g.get("x0", DataType.FLOAT), noise = g.get("noise", DataType.FLOAT);
            List<String> names = new ArrayList<>(g.names());
            names.sort(SchedulerParity::byNumbers);

            // DDPM: tables, forward process, single steps on the training grid and on inference grids.
            SchedulerConfig ddpmConfig = config(configs, all, "ddpm");
            DdpmScheduler ddpm = new DdpmScheduler(ddpmConfig);
            for (String table : List.of("ddpm.betas", "ddpm.alphas_cumprod")) {
                if (!g.has(table)) continue;
                double[] ours = table.endsWith("betas") ? ddpm.schedule().betas() : ddpm.schedule().alphasCumprod();
                r.compare(table, Nd4j.createFromArray(ours), g.get(table, DataType.DOUBLE), TOL);
            }
            for (String name : names) {
                Matcher m = FORWARD.matcher(name);
                if (!m.matches()) continue;
                INDArray expected = g.get(name, DataType.FLOAT);
                boolean velocity = m.group(1).equals("velocity");
                int[] t = m.group(3) != null ? repeat(Integer.parseInt(m.group(3)), (int) x0.size(0)) : recoverTimesteps(ddpm, x0, noise, expected, velocity);
                r.compare(name + (m.group(3) == null ? " (t = " + Arrays.toString(t) + ", read off the stored result)" : ""),
                        velocity ? ddpm.velocity(x0, noise, t) : ddpm.addNoise(x0, noise, t), expected, TOL);
            }
            TreeMap<Integer, DdpmScheduler> ddpmGrids = new TreeMap<>();
            for (String name : names) {
                Matcher m = INFER_GRID.matcher(name);
                if (!m.matches()) continue;
                int steps = Integer.parseInt(m.group(2));
                Scheduler s = m.group(1).equals("ddpm") ? ddpmGrids.computeIfAbsent(steps, n -> withTimesteps(new DdpmScheduler(ddpmConfig), n))
                        : withTimesteps(new DdimScheduler(config(configs, all, "ddim"), 0), steps);
                r.compare(name, Nd4j.createFromArray(s.timesteps()), g.get(name, DataType.DOUBLE), 0);
            }
            for (String name : names) {
                Matcher m = DDPM_STEP.matcher(name);
                if (!m.matches()) continue;
                DdpmScheduler s = m.group(1) == null ? ddpm : ddpmGrids.computeIfAbsent(Integer.parseInt(m.group(1)), n -> withTimesteps(new DdpmScheduler(ddpmConfig), n));
                Scheduler.Step step = s.stepAt(modelOutput, Integer.parseInt(m.group(2)), sample, varianceNoise);
                r.compare(name, m.group(3).equals("prev_sample") ? step.prevSample() : step.predOriginalSample(), g.get(name, DataType.FLOAT), TOL);
            }

            // DDIM single steps at each η (and with v-prediction) on the grid ddim.infer<N> gives.
            for (String name : names) {
                Matcher m = DDIM_STEP.matcher(name);
                if (!m.matches()) continue;
                SchedulerConfig c = config(configs, all, "ddim");
                if (m.group(1).equals("ddim_vpred")) c = withPrediction(c, "v_prediction");
                DdimScheduler ddim = withTimesteps(new DdimScheduler(c, Double.parseDouble(m.group(2))), inferenceSteps(g, "ddim"));
                Scheduler.Step step = ddim.stepAt(modelOutput, Integer.parseInt(m.group(3)), sample, varianceNoise);
                r.compare(name, m.group(4).equals("prev_sample") ? step.prevSample() : step.predOriginalSample(), g.get(name, DataType.FLOAT), TOL);
            }

            // Loops: every <loop>.timesteps that is not an inference grid.
            for (String name : names) {
                if (!name.endsWith(".timesteps") || INFER_GRID.matcher(name).matches()) continue;
                String loop = name.substring(0, name.length() - ".timesteps".length());
                String key = all.has(loop) ? loop : loop.replaceFirst("_loop$", "");
                loop(r, g, loop, Schedulers.fromConfig(config(configs, all, key)), sample, modelOutput, names);
            }
        }
        return r;
    }

    /**
     * Runs a loop from sample·init_noise_sigma with the stand-in model and compares every stored
     * step; the inference-step count is the one whose grid has as many timesteps as the file's.
     */
    private static void loop(ParityReport r, GoldenFile g, String p, Scheduler s, INDArray sample, INDArray modelOutput, List<String> names) {
        INDArray expectedTimesteps = g.get(p + ".timesteps", DataType.DOUBLE);
        int length = (int) expectedTimesteps.length();
        int steps = 1;
        while (steps <= length && withTimesteps(s, steps).timesteps().length != length) steps++;
        if (steps > length) throw new CheckpointException(g.path() + ": no inference-step count gives " + p + " its " + length + " timesteps");
        r.compare(p + ".timesteps (" + steps + " inference steps)", Nd4j.createFromArray(s.timesteps()), expectedTimesteps, 0);
        if (g.has(p + ".init_noise_sigma")) {
            r.compare(p + ".init_noise_sigma", Nd4j.scalar(s.initNoiseSigma()), g.get(p + ".init_noise_sigma", DataType.DOUBLE), TOL);
        }
        TreeSet<Integer> stored = new TreeSet<>();
        for (String name : names) {
            Matcher m = LOOP_STEP.matcher(name);
            if (m.matches() && m.group(1).equals(p)) stored.add(Integer.parseInt(m.group(2)));
        }
        INDArray latents = sample.mul(s.initNoiseSigma());
        int last = stored.isEmpty() ? -1 : stored.last();
        for (int i = 0; i <= last && i < s.timesteps().length; i++) {
            INDArray input = s.scaleModelInput(latents, i);
            String scaled = p + ".step" + i + ".scaled_input", prev = p + ".step" + i + ".prev_sample";
            if (g.has(scaled)) r.compare(scaled, input, g.get(scaled, DataType.FLOAT), TOL);
            INDArray eps = modelOutput.mul(1 - 0.05 * i).addi(0.1 * i);
            latents = s.step(eps, i, latents, null).prevSample();
            if (g.has(prev)) r.compare(prev, latents, g.get(prev, DataType.FLOAT), TOL);
        }
        if (g.has(p + ".sigmas")) r.compare(p + ".sigmas", Nd4j.createFromArray(sigmas(s, g, p)), g.get(p + ".sigmas", DataType.DOUBLE), TOL);
    }

    private static double[] sigmas(Scheduler s, GoldenFile g, String p) {
        if (s instanceof dev.spectune.model.scheduler.EulerDiscreteScheduler e) return e.sigmas();
        if (s instanceof dev.spectune.model.scheduler.DpmSolverMultistepScheduler d) return d.sigmas();
        throw new CheckpointException(g.path() + ": " + p + ".sigmas stored, but " + s.name() + " has no sigmas");
    }

    /** N of the one {@code <prefix>.infer<N>.timesteps} in the file. */
    private static int inferenceSteps(GoldenFile g, String prefix) {
        List<Integer> found = new ArrayList<>();
        for (String name : g.names()) {
            Matcher m = INFER_GRID.matcher(name);
            if (m.matches() && m.group(1).equals(prefix)) found.add(Integer.parseInt(m.group(2)));
        }
        if (found.size() != 1) throw new CheckpointException(g.path() + ": the " + prefix + " steps need exactly one " + prefix + ".infer<N>.timesteps, found " + found);
        return found.get(0);
    }

    /**
     * The timestep of each batch element of a stored forward-process result y: the t whose
     * √ᾱ_t·x0 + √(1−ᾱ_t)·ε (or, for v, √ᾱ_t·ε − √(1−ᾱ_t)·x0) is closest to y.
     */
    static int[] recoverTimesteps(DdpmScheduler ddpm, INDArray x0, INDArray noise, INDArray y, boolean velocity) {
        double[] alphaBar = ddpm.schedule().alphasCumprod();
        int batch = (int) x0.size(0);
        int[] t = new int[batch];
        for (int b = 0; b < batch; b++) {
            double[] x = x0.slice(b).castTo(DataType.DOUBLE).data().asDouble(), n = noise.slice(b).castTo(DataType.DOUBLE).data().asDouble();
            double[] target = y.slice(b).castTo(DataType.DOUBLE).data().asDouble();
            double best = Double.POSITIVE_INFINITY;
            for (int candidate = 0; candidate < alphaBar.length; candidate++) {
                double a = Math.sqrt(alphaBar[candidate]), c = Math.sqrt(1 - alphaBar[candidate]), err = 0;
                for (int i = 0; i < x.length; i++) {
                    double d = (velocity ? a * n[i] - c * x[i] : a * x[i] + c * n[i]) - target[i];
                    err += d * d;
                }
                if (err < best) {
                    best = err;
                    t[b] = candidate;
                }
            }
        }
        return t;
    }

    private static <S extends Scheduler> S withTimesteps(S s, int steps) {
        s.setTimesteps(steps);
        return s;
    }

    /** The config under {@code key} in scheduler_configs.json, read as a scheduler_config.json is; the class from the key. */
    private static SchedulerConfig config(Path file, JsonNode all, String key) {
        JsonNode c = all.get(key);
        if (c == null) throw new CheckpointException(file + ": no scheduler config '" + key + "' (has " + iterable(all) + ")");
        return SchedulerConfig.fromJson(file + " [" + key + "]", c.toString(), Schedulers.className(key));
    }

    private static List<String> iterable(JsonNode all) {
        List<String> keys = new ArrayList<>();
        all.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static SchedulerConfig withPrediction(SchedulerConfig c, String prediction) {
        return new SchedulerConfig(c.className(), c.numTrainTimesteps(), c.betaStart(), c.betaEnd(), c.betaSchedule(), prediction,
                c.setAlphaToOne(), c.stepsOffset(), c.clipSample(), c.skipPrkSteps(), c.timestepSpacing());
    }

    private static int[] repeat(int t, int n) {
        int[] a = new int[n];
        Arrays.fill(a, t);
        return a;
    }

    /** Orders names with embedded numbers numerically ("t10" after "t9"), for a readable report. */
    static int byNumbers(String a, String b) {
        String[] x = a.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)"), y = b.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Character.isDigit(x[i].charAt(0)) && Character.isDigit(y[i].charAt(0))
                    ? new java.math.BigInteger(x[i]).compareTo(new java.math.BigInteger(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) return c;
        }
        return Integer.compare(x.length, y.length);
    }
}
