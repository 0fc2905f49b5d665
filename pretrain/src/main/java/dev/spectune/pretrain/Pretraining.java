/*
 * Pretraining: `spectune world pretrain` — a text-to-image model trained from scratch on the
 * procedural world, in two stages over one step count: steps [0, vae_steps) train the
 * AutoencoderKL (AutoencoderTrainer); then its latent scaling factor is fixed as 1 / std of the
 * latents (how SD's 0.18215 was chosen, Rombach et al. 2022, §4.3.2 and App. G), and the
 * following steps train the UNet and the CLIP text encoder together (DiffusionPretrainer).
 *
 * Seeded and resumable: step s draws everything (scenes, noise, timesteps, dropped captions) from
 * a generator seeded by (seed, s) alone, and a checkpoint holds every weight, AdamW moment and
 * moving average, so a run resumed from any checkpoint continues bit-identically. The settings'
 * fingerprint (all but the diffusion step count, which a later sitting may raise, and the
 * checkpoint cadence) must match to resume. The run folder gets `model/` (a diffusers pipeline
 * folder, rewritten at every checkpoint once the diffusion stage runs and at the end),
 * `checkpoints/`, `log.csv` and `pretrain.json`; nothing else in it is touched.
 */
package dev.spectune.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.PipelineFolder;
import dev.spectune.model.RandomWeights;
import dev.spectune.model.StateDict;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.training.DreamBoothTrainer;
import dev.spectune.training.Interruption;
import dev.spectune.training.io.TrainingCheckpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Pretraining {

    /**
     * A run's settings, grouped by stage, each group with its named defaults ({@code DEFAULT}: the
     * shipped model's run); change them with the {@code with…} methods. The diffusion default is
     * v-prediction with the plain v-loss: with ε-prediction and min-SNR-γ 5 the world model learned
     * to ignore its prompts (models/world/README.md says how that was found).
     *
     * @param spec        the architecture
     * @param seed        initial weights and every step's draws
     * @param warmupSteps linear warm-up of both stages' learning rates
     * @param autoencoder the first stage
     * @param diffusion   the second stage (UNet + text encoder)
     * @param output      checkpoints and the model folder
     */
    public record Settings(WorldModelSpec spec, long seed, int warmupSteps, Autoencoder autoencoder, Diffusion diffusion, Output output) {

        public static final int DEFAULT_WARMUP = 200;
        public static final String EPSILON = "epsilon", V_PREDICTION = "v_prediction";

        public Settings {
            if (warmupSteps < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmupSteps);
        }

        /**
         * @param steps    autoencoder steps
         * @param batch    autoencoder batch
         * @param lr       autoencoder learning rate
         * @param klWeight the KL term's weight (per latent element, against the per-pixel MSE)
         */
        public record Autoencoder(int steps, int batch, double lr, double klWeight) {
            public static final Autoencoder DEFAULT = new Autoencoder(1000, 8, 1e-3, 1e-5);

            public Autoencoder {
                if (steps < 1 || batch < 1) throw new IllegalArgumentException("autoencoder steps and batch must be >= 1, got " + steps + " and " + batch);
            }
        }

        /**
         * @param steps          UNet + text encoder steps (may grow between sittings)
         * @param batch          diffusion batch
         * @param lr             diffusion learning rate
         * @param captionDropout share of captions replaced by "" (classifier-free guidance)
         * @param snrGamma       min-SNR-γ loss weighting (0: off)
         * @param prediction     what the UNet predicts: "epsilon" (the noise, DDPM) or "v_prediction" (the velocity,
         *                       Salimans & Ho 2022, §4; SD 2's 768 model)
         * @param emaDecay       moving-average decay of the shipped diffusion weights
         */
        public record Diffusion(int steps, int batch, double lr, double captionDropout, double snrGamma, String prediction, double emaDecay) {
            public static final Diffusion DEFAULT = new Diffusion(12000, 16, 5e-4, 0.1, 0.0, V_PREDICTION, 0.999);

            public Diffusion {
                if (steps < 0 || batch < 1) throw new IllegalArgumentException("diffusion steps must be >= 0 and batch >= 1, got " + steps + " and " + batch);
                if (!EPSILON.equals(prediction) && !V_PREDICTION.equals(prediction)) {
                    throw new IllegalArgumentException("--prediction: expected " + EPSILON + " or " + V_PREDICTION + ", got '" + prediction + "'");
                }
            }

            public Diffusion withSteps(int steps) {
                return new Diffusion(steps, batch, lr, captionDropout, snrGamma, prediction, emaDecay);
            }

            public Diffusion withBatch(int batch) {
                return new Diffusion(steps, batch, lr, captionDropout, snrGamma, prediction, emaDecay);
            }

            public Diffusion withEmaDecay(double emaDecay) {
                return new Diffusion(steps, batch, lr, captionDropout, snrGamma, prediction, emaDecay);
            }

            /** The prediction type and its loss weighting, which go together (v-prediction trains with {@code snrGamma} 0). */
            public Diffusion withPrediction(String prediction, double snrGamma) {
                return new Diffusion(steps, batch, lr, captionDropout, snrGamma, prediction, emaDecay);
            }
        }

        /**
         * @param checkpointEvery steps between checkpoints (and model folders)
         * @param keepCheckpoints checkpoints kept
         * @param weightType      the stored type of the model folder's weights (F16 or F32)
         */
        public record Output(int checkpointEvery, int keepCheckpoints, DType weightType) {
            public static final Output DEFAULT = new Output(250, 2, DType.F16);

            public Output {
                if (checkpointEvery < 1) throw new IllegalArgumentException("--checkpoint-every must be >= 1, got " + checkpointEvery);
                if (keepCheckpoints < 1) throw new IllegalArgumentException("--keep-checkpoints must be >= 1, got " + keepCheckpoints);
                if (weightType != DType.F16 && weightType != DType.F32) throw new IllegalArgumentException("weights are stored as F16 or F32, got " + weightType);
            }
        }

        /** The defaults for {@code spec}: seed 0 and every group's DEFAULT. */
        public static Settings defaults(WorldModelSpec spec) {
            return new Settings(spec, 0, DEFAULT_WARMUP, Autoencoder.DEFAULT, Diffusion.DEFAULT, Output.DEFAULT);
        }

        public Settings withSeed(long seed) {
            return new Settings(spec, seed, warmupSteps, autoencoder, diffusion, output);
        }

        public Settings withWarmup(int warmupSteps) {
            return new Settings(spec, seed, warmupSteps, autoencoder, diffusion, output);
        }

        public Settings withAutoencoder(Autoencoder autoencoder) {
            return new Settings(spec, seed, warmupSteps, autoencoder, diffusion, output);
        }

        public Settings withDiffusion(Diffusion diffusion) {
            return new Settings(spec, seed, warmupSteps, autoencoder, diffusion, output);
        }

        public Settings withOutput(Output output) {
            return new Settings(spec, seed, warmupSteps, autoencoder, diffusion, output);
        }

        /** The diffusion's schedule with this run's prediction type (what the model folder's scheduler config says too). */
        public SchedulerConfig schedule() {
            return spec.schedule(diffusion.prediction());
        }

        /** The part of the fingerprint that fixes the autoencoder stage, with {@link #warmupSteps}: runs that share both train the same autoencoder bit for bit. */
        String autoencoderFingerprint() {
            return "world-pretrain v1 " + spec + " seed=" + seed + " vae=" + autoencoder.steps() + "x" + autoencoder.batch() + "@" + autoencoder.lr() + " kl=" + autoencoder.klWeight();
        }

        /** What a resumed run must share with the checkpoint: every setting but the diffusion steps, the checkpoint cadence and the stored type. */
        public String fingerprint() {
            return autoencoderFingerprint() + " diffusion batch=" + diffusion.batch() + "@" + diffusion.lr() + " warmup=" + warmupSteps + " dropout=" + diffusion.captionDropout()
                    + " snr_gamma=" + diffusion.snrGamma()
                    + (diffusion.prediction().equals(EPSILON) ? "" : " prediction=" + diffusion.prediction())   // v1 runs predicted ε and did not name it
                    + " ema=" + diffusion.emaDecay();
        }

        public int totalSteps() {
            return autoencoder.steps() + diffusion.steps();
        }
    }

    static final String MODEL = "model", CHECKPOINTS = "checkpoints", LOG = "log.csv", SUMMARY = "pretrain.json";
    private static final int SCALING_BATCHES = 8;

    private final Settings s;
    private final Path out;
    private final PrintStream console;
    private final PipelineFolder.Tokenizer tokenizerFiles = WorldTokenizer.build();
    private final ClipTokenizer tokenizer = WorldTokenizer.tokenizer(tokenizerFiles);
    private final TextEncoderConfig textConfig;
    private final List<double[]> log = new ArrayList<>();
    private final Map<Integer, String> weightHashes = new TreeMap<>();
    private AutoencoderTrainer autoencoder;
    private DiffusionPretrainer diffusion;
    private Map<String, INDArray> vaeWeights;            // once the autoencoder stage is over
    private double scalingFactor;

    public Pretraining(Settings settings, Path out, PrintStream console) {
        this.s = settings;
        this.out = out;
        this.console = console;
        this.textConfig = settings.spec().text(tokenizer.vocabSize());
    }

    /** What a run did: steps completed, the hash of the trained weights then, wall seconds, the model folder. */
    public record Outcome(int completedSteps, String weightsHash, double seconds, Path model) {}

    /** Runs (or, with {@code resume}, continues) to the settings' total steps; stops early with a checkpoint on SIGINT/SIGTERM. */
    public Outcome run(boolean resume) throws IOException {
        return run(resume, null);
    }

    /**
     * As {@link #run(boolean)}; a new run given {@code autoencoderFrom} (another run's folder or one
     * of its checkpoints, past its autoencoder stage, with the same autoencoder settings) takes that
     * run's finished autoencoder and its log instead of training the same one again: a shortcut
     * that changes no number, since the autoencoder stage depends on those settings alone.
     */
    public Outcome run(boolean resume, Path autoencoderFrom) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(out);
        Path checkpoints = out.resolve(CHECKPOINTS);
        Optional<Path> latest = TrainingCheckpoint.latest(checkpoints);
        int step = 0;
        TrainingCheckpoint.State state = null;
        if (latest.isPresent()) {
            if (!resume) throw new IllegalArgumentException(out + " holds a pretraining checkpoint (" + latest.get().getFileName() + "): pass --resume to continue it, or choose another --out");
            state = TrainingCheckpoint.read(latest.get());
            if (!s.fingerprint().equals(state.fingerprint())) {
                throw new IllegalArgumentException(latest.get() + " was written with other settings:\n  checkpoint: " + state.fingerprint() + "\n  this run:   " + s.fingerprint());
            }
            step = state.completedSteps();
            log.addAll(state.log());
            console.printf("resumed from %s (step %d of %d)%n", latest.get(), step, s.totalSteps());
        } else if (Files.exists(out.resolve(MODEL)) || Files.exists(out.resolve(SUMMARY))) {
            throw new IllegalArgumentException(out + " holds a pretraining result without a checkpoint to resume: choose another --out");
        } else if (autoencoderFrom != null) {
            state = finishedAutoencoder(autoencoderFrom);
            step = s.autoencoder().steps();
            for (double[] row : state.log()) if (row[1] == 0) log.add(row);
            console.printf("autoencoder (%d steps) taken from %s%n", s.autoencoder().steps(), autoencoderFrom);
        }
        if (autoencoderFrom != null && latest.isPresent()) {
            console.printf("note: --autoencoder-from is ignored: %s resumes its own checkpoint%n", out);
        }
        try (Interruption interruption = Interruption.install()) {
            if (step < s.autoencoder().steps()) {
                autoencoder = newAutoencoder();
                if (state != null) autoencoder.restore(state.tensors(), state.scalars());
                for (; step < s.autoencoder().steps(); step++) {
                    long t0 = System.nanoTime();
                    AutoencoderTrainer.StepResult r = autoencoder.step(step, randomForStep(step));
                    record(step, 0, r.loss(), r.reconstruction(), r.kl(), autoencoder.learningRate(step), r.gradNorm(), t0);
                    if (interruption.requested() || (step + 1) % s.output().checkpointEvery() == 0 && step + 1 < s.autoencoder().steps()) checkpoint(step + 1);
                    if (interruption.requested()) return stopped(step + 1, start);
                }
                vaeWeights = autoencoder.weights();
                autoencoder.releaseBuffers();
                autoencoder = null;
                scalingFactor = scalingFactor(vaeWeights);
                console.printf("autoencoder trained: latent scaling factor %.5f%n", scalingFactor);
                state = null;
            } else {
                vaeWeights = select(state.tensors(), "vae_final/");
                scalingFactor = state.scalars().get("vae_scaling_factor");
            }
            diffusion = newDiffusion();
            if (state != null && step > s.autoencoder().steps()) diffusion.restore(state.tensors(), state.scalars());
            for (; step < s.totalSteps(); step++) {
                long t0 = System.nanoTime();
                int d = step - s.autoencoder().steps();
                DiffusionPretrainer.StepResult r = diffusion.step(d, randomForStep(step));
                record(step, 1, r.loss(), Double.NaN, Double.NaN, diffusion.learningRate(d), r.gradNorm(), t0);
                if (interruption.requested() || (step + 1) % s.output().checkpointEvery() == 0 || step + 1 == s.totalSteps()) checkpoint(step + 1);
                if (interruption.requested()) return stopped(step + 1, start);
            }
            if (step == s.autoencoder().steps()) checkpoint(step);                       // no diffusion steps: the autoencoder alone
            writeSummary(step, (System.nanoTime() - start) / 1e9);
            return new Outcome(step, weightHashes.get(step), (System.nanoTime() - start) / 1e9, out.resolve(MODEL));
        }
    }

    /** The latest checkpoint of {@code from} (a run folder or a checkpoint), checked to hold this run's finished autoencoder. */
    private TrainingCheckpoint.State finishedAutoencoder(Path from) throws IOException {
        Path dir = Files.isDirectory(from.resolve(CHECKPOINTS))
                ? TrainingCheckpoint.latest(from.resolve(CHECKPOINTS)).orElseThrow(() -> new IllegalArgumentException("--autoencoder-from " + from + ": no checkpoint in " + from.resolve(CHECKPOINTS)))
                : from;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--autoencoder-from " + from + ": not a pretraining run folder or checkpoint");
        TrainingCheckpoint.State state = TrainingCheckpoint.read(dir);
        String theirs = state.fingerprint(), ours = s.autoencoderFingerprint();
        if (!theirs.startsWith(ours + " ") || !theirs.contains(" warmup=" + s.warmupSteps() + " ")) {   // the warm-up shapes the autoencoder's learning rate too
            throw new IllegalArgumentException("--autoencoder-from " + dir + ": its autoencoder was trained with other settings:\n  checkpoint: " + theirs
                    + "\n  this run:   " + ours + " … warmup=" + s.warmupSteps() + " …");
        }
        if (state.completedSteps() < s.autoencoder().steps() || !state.scalars().containsKey("vae_scaling_factor")) {
            throw new IllegalArgumentException("--autoencoder-from " + dir + ": step " + state.completedSteps() + " is inside its autoencoder stage (" + s.autoencoder().steps()
                    + " steps); use a later checkpoint");
        }
        return state;
    }

    private Outcome stopped(int completed, long start) throws IOException {
        console.printf("interrupted after step %d: checkpoint written; rerun with --resume to continue%n", completed);
        writeSummary(completed, (System.nanoTime() - start) / 1e9);
        return new Outcome(completed, weightHashes.get(completed), (System.nanoTime() - start) / 1e9, out.resolve(MODEL));
    }

    private AutoencoderTrainer newAutoencoder() {
        VaeConfig vae = s.spec().vae(VaeConfig.SD_SCALING_FACTOR);
        return new AutoencoderTrainer(vae, new RandomWeights(AutoencoderKL.parameterShapes(vae), s.seed() + 1), s.autoencoder().batch(), s.spec().side(), s.autoencoder().klWeight(),
                new FullOptimisation.Settings(s.autoencoder().lr(), s.warmupSteps(), 1.0, 0, 0));
    }

    private DiffusionPretrainer newDiffusion() {
        return new DiffusionPretrainer(s.spec().unet(), textConfig, s.spec().vae(scalingFactor), vaeWeights, tokenizer,
                new RandomWeights(UNet2DConditionModel.parameterShapes(s.spec().unet()), s.seed() + 2),
                new RandomWeights(ClipTextModel.parameterShapes(textConfig), s.seed() + 3), s.schedule(), s.diffusion().batch(), s.spec().side(), s.diffusion().captionDropout(), s.diffusion().snrGamma(),
                new FullOptimisation.Settings(s.diffusion().lr(), s.warmupSteps(), 1.0, s.diffusion().emaDecay(), 1e-2));
    }

    /** 1 / std of the posterior means of {@value #SCALING_BATCHES} batches of scenes (drawn from the seed, apart from every step's draws). */
    private double scalingFactor(Map<String, INDArray> weights) {
        VaeConfig vae = s.spec().vae(1.0);
        int side = s.spec().side(), latent = s.spec().latentSide();
        ModelGraph encoder = AutoencoderKL.encoder(vae, new StateDict("the trained autoencoder", weights), DataType.FLOAT, s.autoencoder().batch(), side, side);
        Random random = new Random(s.seed() ^ 0x5CA1AB1EL);
        double sum = 0, sumSq = 0;
        long n = 0;
        for (int i = 0; i < SCALING_BATCHES; i++) {
            INDArray images = WorldData.draw(random, s.autoencoder().batch(), side, 0).images();
            INDArray mean = encoder.run(Map.of("image", images, "eps", Nd4j.zeros(DataType.FLOAT, s.autoencoder().batch(), vae.latentChannels(), latent, latent)),
                    "posterior_mean").get("posterior_mean").castTo(DataType.DOUBLE);
            sum += mean.sumNumber().doubleValue();
            sumSq += mean.mul(mean).sumNumber().doubleValue();
            n += mean.length();
        }
        encoder.releaseBuffers();
        double var = sumSq / n - (sum / n) * (sum / n);
        return 1.0 / Math.sqrt(var);
    }

    private void record(int step, int stage, double loss, double rec, double kl, double lr, double norm, long t0) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.add(new double[] {step, stage, loss, rec, kl, lr, norm, seconds});
        if (step == 0 || (step + 1) % 50 == 0 || step + 1 == s.autoencoder().steps() || step + 1 == s.totalSteps()) {
            console.printf("step %d/%d  %s  loss %.5f%s  lr %.2e  |g| %.3f  %.2f s/step%n", step + 1, s.totalSteps(), stage == 0 ? "autoencoder" : "diffusion",
                    loss, stage == 0 ? String.format("  (reconstruction %.5f, kl %.3f)", rec, kl) : "", lr, norm, seconds);
        }
    }

    /** Writes checkpoint-N (every weight, moment and average, the log) and, in the diffusion stage, the model folder. */
    private void checkpoint(int completed) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        if (autoencoder != null) autoencoder.exportTo(tensors, scalars);
        if (vaeWeights != null) {
            vaeWeights.forEach((k, v) -> tensors.put("vae_final/" + k, v));
            scalars.put("vae_scaling_factor", scalingFactor);
        }
        if (diffusion != null && completed > s.autoencoder().steps()) diffusion.exportTo(tensors, scalars);
        String hash = weightsHash(tensors);
        weightHashes.put(completed, hash);
        Path dir = TrainingCheckpoint.write(out.resolve(CHECKPOINTS), new TrainingCheckpoint.State(completed, tensors, scalars, log, s.fingerprint()),
                adapterDir -> {}, s.output().keepCheckpoints());
        if (diffusion != null) writeModel();
        writeLog();
        dev.spectune.runtime.Nd4jRuntime.collectGarbage();                      // the steps' released arrays, between checkpoints (changes no number)
        console.printf("checkpoint %s written after step %d (weights sha256 %s)%n", dir.getFileName(), completed, hash.substring(0, 16));
    }

    /**
     * SHA-256 over the trained weights ("…param/…" tensors and the finished autoencoder, by name,
     * float32 little-endian): what a rerun of the same settings, build and thread count reproduces.
     */
    static String weightsHash(Map<String, INDArray> tensors) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String k : new TreeMap<>(tensors).keySet()) {
                if (!k.contains("param/") && !k.startsWith("vae_final/")) continue;
                md.update(k.getBytes(StandardCharsets.UTF_8));
                for (float f : tensors.get(k).castTo(DataType.FLOAT).dup('c').data().asFloat()) {
                    int b = Float.floatToIntBits(f);
                    md.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pipeline folder, written beside and renamed over the last one. */
    private void writeModel() throws IOException {
        Path target = out.resolve(MODEL), temp = out.resolve(".tmp-" + MODEL), old = out.resolve(".old-" + MODEL);
        deleteTree(temp);
        deleteTree(old);
        PipelineFolder.write(temp, s.spec().unet(), s.spec().vae(scalingFactor), textConfig, tokenizerFiles,
                new PipelineFolder.Weights(diffusion.unetWeights(), vaeWeights, diffusion.textWeights()), s.schedule(), s.output().weightType(),
                "spectune world model: pretrained from scratch by `spectune world pretrain` on the procedural world");
        if (Files.exists(target)) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    private void writeLog() throws IOException {
        StringBuilder sb = new StringBuilder("step,stage,loss,reconstruction,kl,lr,grad_norm,seconds\n");
        for (double[] r : log) {
            sb.append((int) r[0] + 1).append(',').append(r[1] == 0 ? "autoencoder" : "diffusion");
            for (int i = 2; i < r.length; i++) sb.append(',').append(Double.isNaN(r[i]) ? "" : Double.toString(r[i]));
            sb.append('\n');
        }
        atomicWrite(out.resolve(LOG), sb.toString());
    }

    private void writeSummary(int completed, double seconds) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode().put("fingerprint", s.fingerprint()).put("completed_steps", completed).put("total_steps", s.totalSteps())
                .put("vae_steps", s.autoencoder().steps()).put("diffusion_steps", s.diffusion().steps()).put("seconds_this_sitting", seconds)
                .put("latent_scaling_factor", scalingFactor);
        ObjectNode hashes = n.putObject("weights_sha256_by_step");
        weightHashes.forEach((k, v) -> hashes.put(Integer.toString(k), v));
        atomicWrite(out.resolve(SUMMARY), json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    private static void atomicWrite(Path file, String text) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static Map<String, INDArray> select(Map<String, INDArray> all, String prefix) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        if (out.isEmpty()) throw new CheckpointException("the checkpoint holds no " + prefix + " tensors (the finished autoencoder)");
        return out;
    }

    /** The generator of step {@code step}: seeded by (seed, step) alone, as the trainer's are. */
    Random randomForStep(int step) {
        return DreamBoothTrainer.randomForStep(s.seed(), step);
    }
}
