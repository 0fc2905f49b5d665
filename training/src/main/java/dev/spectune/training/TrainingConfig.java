/*
 * TrainingConfig: every setting of a DreamBooth-style run (diffusers' train_dreambooth_lora.py
 * arguments), validated, in groups — what to learn (Subject), which adapter on which layers, how
 * to optimise (Optimization), what to minimise (Loss, with prior preservation), what to write
 * (Outputs). A run starts from named defaults, TrainingConfig.of(model, images, prompt, adapter,
 * out), and changes what it needs with the with… methods. SETTINGS is the one list of settings:
 * run.json writes every one of them, and the resume fingerprint is built from those marked as
 * shaping the run (not validation or checkpoint cadence).
 */
package dev.spectune.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

public record TrainingConfig(Subject subject, AdapterSpec adapter, String targets, String textTargets, Optimization optimization, Loss loss,
                             Outputs outputs, Evaluation evaluation) {

    /** Without scoring during training. */
    public TrainingConfig(Subject subject, AdapterSpec adapter, String targets, String textTargets, Optimization optimization, Loss loss, Outputs outputs) {
        this(subject, adapter, targets, textTargets, optimization, loss, outputs, Evaluation.NONE);
    }

    /**
     * Scoring during training (`--eval-every N --eval-clip DIR --eval-dino DIR`): every N steps the
     * validation prompts are sampled and scored (CLIP-I, CLIP-T, DINO) against the instance images.
     */
    public record Evaluation(int every, Path clip, Path dino) {
        public static final Evaluation NONE = new Evaluation(0, null, null);

        public Evaluation {
            if (every < 0) throw new IllegalArgumentException("--eval-every must be >= 0 (0: none), got " + every);
            if (every > 0 && (clip == null || dino == null)) throw new IllegalArgumentException("--eval-every needs --eval-clip and --eval-dino (CLIP and DINO model folders)");
            for (Path p : new Path[] {clip, dino}) {
                if (every > 0 && !java.nio.file.Files.isDirectory(p)) throw new IllegalArgumentException(p + ": no such model folder (--eval-clip / --eval-dino)");
            }
        }
    }

    /** What to learn: the base model, the subject's images, the instance prompt, the training resolution and augmentations. */
    public record Subject(Path model, Path images, String prompt, int resolution, boolean randomFlip, boolean sampleLatents) {
        public Subject {
            if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("an instance prompt is required");
            if (resolution < 8) throw new IllegalArgumentException("resolution must be >= 8, got " + resolution);
        }
    }

    /**
     * How to optimise: steps, learning rates (AdamW, Stiefel Adam), schedule, batch, accumulation,
     * clipping, seed, and gradient checkpointing (memory for time; the same gradients).
     */
    public record Optimization(int steps, double learningRate, double stiefelLearningRate, String lrSchedule, int warmupSteps, int batchSize,
                               int gradientAccumulation, double maxGradNorm, long seed, boolean gradientCheckpointing) {
        /** `spectune train`'s defaults: 400 steps, 1e-3 (AdamW) and 5e-3 (Stiefel), constant, batch 1, clipping at 1, seed 0, no checkpointing. */
        public static Optimization defaults() {
            return new Optimization(400, 1e-3, 5e-3, "constant", 0, 1, 1, 1.0, 0, false);
        }

        public Optimization {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            if (!(learningRate > 0) || !(stiefelLearningRate > 0)) throw new IllegalArgumentException("learning rates must be positive");
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            if (gradientAccumulation < 1) throw new IllegalArgumentException("gradient accumulation must be >= 1, got " + gradientAccumulation);
            if (maxGradNorm <= 0) throw new IllegalArgumentException("max grad norm must be positive");
            if (warmupSteps < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
            dev.spectune.optim.LearningRateSchedule.of(lrSchedule, warmupSteps, steps);           // an unknown schedule is refused before anything loads
        }
    }

    /** DreamBooth's prior preservation: class images (missing ones are generated), their prompt, how many, and the weight λ of their loss. */
    public record PriorPreservation(Path classImages, String classPrompt, int numClassImages, double priorLossWeight) {
        public PriorPreservation {
            if (classPrompt == null || classPrompt.isBlank()) throw new IllegalArgumentException("prior preservation needs a class prompt, e.g. \"a photo of a dog\"");
            if (numClassImages < 1 || !(priorLossWeight > 0)) throw new IllegalArgumentException("prior preservation needs >= 1 class image and a positive prior loss weight");
        }
    }

    /** What to minimise: min-SNR-γ weighting (0: off), offset noise (0: off), DCO's β (0: the plain MSE), prior preservation (null: off). */
    public record Loss(double snrGamma, double offsetNoise, double dcoBeta, PriorPreservation prior) {
        public static Loss defaults() {
            return new Loss(0, 0, 0, null);
        }

        public Loss {
            if (snrGamma < 0) throw new IllegalArgumentException("min-SNR gamma must be >= 0 (0: off), got " + snrGamma);
            if (offsetNoise < 0) throw new IllegalArgumentException("offset noise must be >= 0, got " + offsetNoise);
            if (dcoBeta < 0) throw new IllegalArgumentException("DCO β must be >= 0 (0: plain MSE), got " + dcoBeta);
        }
    }

    /** What to write: the run folder, validation cadence and prompts, checkpoints (every N steps, keep K; 0: none / all) and resuming. */
    /** @param overwrite let this run take a folder that holds another run's outputs (`--overwrite`) */
    public record Outputs(Path out, int validationEvery, List<String> validationPrompts, int checkpointEvery, int keepCheckpoints, boolean resume,
                          boolean overwrite) {
        /** Without --overwrite. */
        public Outputs(Path out, int validationEvery, List<String> validationPrompts, int checkpointEvery, int keepCheckpoints, boolean resume) {
            this(out, validationEvery, validationPrompts, checkpointEvery, keepCheckpoints, resume, false);
        }

        public Outputs {
            if (java.nio.file.Files.isRegularFile(out)) throw new IllegalArgumentException(out + " is a file; the run's output (--out) is a folder");
            if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0 (0: none), got " + checkpointEvery);
            if (keepCheckpoints < 0) throw new IllegalArgumentException("checkpoints to keep must be >= 0 (0: all), got " + keepCheckpoints);
            if (validationPrompts == null || validationPrompts.isEmpty() || validationPrompts.stream().anyMatch(v -> v == null || v.isBlank())) {
                throw new IllegalArgumentException("validation needs at least one non-empty prompt, got " + validationPrompts);
            }
            validationPrompts = List.copyOf(validationPrompts);
        }
    }

    public TrainingConfig {
        if (textTargets != null && textTargets.isBlank()) textTargets = null;
        checkRegex("UNet targets (--targets)", targets);
        if (textTargets != null) checkRegex("text-encoder targets (--text-targets)", textTargets);
        if (loss.dcoBeta() > 0 && adapter.config() instanceof dev.spectune.adapters.SodaSvd.Config soda && soda.initialDelta() != 0) {
            throw new IllegalArgumentException("DCO compares with the adapter at its initialisation, which is the base model only when it starts"
                    + " at the identity: use SODA's δ0 = 0 with DCO (got " + soda.initialDelta() + ")");
        }
    }

    /**
     * A run with every setting at its default: the UNet's attention projections, the text encoder
     * frozen, 512 px, Optimization.defaults(), the plain MSE, the instance prompt for validation at
     * the end only, no checkpoints (3 kept when on).
     */
    public static TrainingConfig of(Path model, Path images, String prompt, AdapterSpec adapter, Path out) {
        return new TrainingConfig(new Subject(model, images, prompt, 512, false, false), adapter, AdapterInjector.UNET_ATTENTION.pattern(), null,
                Optimization.defaults(), Loss.defaults(), new Outputs(out, 0, List.of(prompt), 0, 3, false));
    }

    public TrainingConfig withSubject(Subject s) {
        return new TrainingConfig(s, adapter, targets, textTargets, optimization, loss, outputs, evaluation);
    }

    public TrainingConfig withTargets(String unetTargets, String textEncoderTargets) {
        return new TrainingConfig(subject, adapter, unetTargets, textEncoderTargets, optimization, loss, outputs, evaluation);
    }

    public TrainingConfig withOptimization(Optimization o) {
        return new TrainingConfig(subject, adapter, targets, textTargets, o, loss, outputs, evaluation);
    }

    public TrainingConfig withLoss(Loss l) {
        return new TrainingConfig(subject, adapter, targets, textTargets, optimization, l, outputs, evaluation);
    }

    /** The same outputs, taking a folder that holds another run or not (`--overwrite`). */
    public TrainingConfig withOverwrite(boolean overwrite) {
        Outputs o = outputs;
        return withOutputs(new Outputs(o.out(), o.validationEvery(), o.validationPrompts(), o.checkpointEvery(), o.keepCheckpoints(), o.resume(), overwrite));
    }

    public TrainingConfig withEvaluation(Evaluation e) {
        return new TrainingConfig(subject, adapter, targets, textTargets, optimization, loss, outputs, e);
    }

    public TrainingConfig withOutputs(Outputs o) {
        return new TrainingConfig(subject, adapter, targets, textTargets, optimization, loss, o, evaluation);
    }

    /** The resolution (px). */
    public TrainingConfig withResolution(int px) {
        Subject s = subject;
        return withSubject(new Subject(s.model(), s.images(), s.prompt(), px, s.randomFlip(), s.sampleLatents()));
    }

    /** Steps, learning rates and seed, the rest of the optimisation as it is. */
    public TrainingConfig withSteps(int steps, double learningRate, double stiefelLearningRate, long seed) {
        Optimization o = optimization;
        return withOptimization(new Optimization(steps, learningRate, stiefelLearningRate, o.lrSchedule(), o.warmupSteps(), o.batchSize(),
                o.gradientAccumulation(), o.maxGradNorm(), seed, o.gradientCheckpointing()));
    }

    /** Gradient checkpointing on or off, the rest as it is. */
    public TrainingConfig withGradientCheckpointing(boolean on) {
        Optimization o = optimization;
        return withOptimization(new Optimization(o.steps(), o.learningRate(), o.stiefelLearningRate(), o.lrSchedule(), o.warmupSteps(), o.batchSize(),
                o.gradientAccumulation(), o.maxGradNorm(), o.seed(), on));
    }

    // The run's settings, as the rest of training reads them.
    public Path model() { return subject.model(); }
    public Path images() { return subject.images(); }
    public String prompt() { return subject.prompt(); }
    public int resolution() { return subject.resolution(); }
    public boolean randomFlip() { return subject.randomFlip(); }
    public boolean sampleLatents() { return subject.sampleLatents(); }
    public int steps() { return optimization.steps(); }
    public double learningRate() { return optimization.learningRate(); }
    public double stiefelLearningRate() { return optimization.stiefelLearningRate(); }
    public String lrSchedule() { return optimization.lrSchedule(); }
    public int warmupSteps() { return optimization.warmupSteps(); }
    public int batchSize() { return optimization.batchSize(); }
    public int gradientAccumulation() { return optimization.gradientAccumulation(); }
    public double maxGradNorm() { return optimization.maxGradNorm(); }
    public long seed() { return optimization.seed(); }
    public boolean gradientCheckpointing() { return optimization.gradientCheckpointing(); }
    public double snrGamma() { return loss.snrGamma(); }
    public double offsetNoise() { return loss.offsetNoise(); }
    public double dcoBeta() { return loss.dcoBeta(); }
    public Path classImages() { return loss.prior() == null ? null : loss.prior().classImages(); }
    public String classPrompt() { return loss.prior() == null ? null : loss.prior().classPrompt(); }
    public int numClassImages() { return loss.prior() == null ? 0 : loss.prior().numClassImages(); }
    public double priorLossWeight() { return loss.prior() == null ? 0 : loss.prior().priorLossWeight(); }
    public Path out() { return outputs.out(); }
    public int validationEvery() { return outputs.validationEvery(); }
    public List<String> validationPrompts() { return outputs.validationPrompts(); }
    public int checkpointEvery() { return outputs.checkpointEvery(); }
    public int keepCheckpoints() { return outputs.keepCheckpoints(); }
    public boolean resume() { return outputs.resume(); }
    public boolean overwrite() { return outputs.overwrite(); }

    private static void checkRegex(String what, String regex) {
        try {
            java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("the " + what + " regex '" + regex + "' is invalid: " + e.getDescription());
        }
    }

    /** True when the text encoder's layers matching {@link #textTargets} are adapted and trained too. */
    public boolean trainsTextEncoder() {
        return textTargets != null;
    }

    /** One setting: its name in run.json, its value, and whether a resumed run must share it. */
    record Setting(String name, Function<TrainingConfig, Object> value, boolean shapesTheRun) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every setting, once: run.json writes them all, the resume fingerprint those that shape the run. */
    static final List<Setting> SETTINGS = List.of(
            new Setting("model", TrainingConfig::model, false),                                   // the base model's hash stands in for it
            new Setting("images", c -> c.images().toAbsolutePath().normalize(), true),
            new Setting("prompt", TrainingConfig::prompt, true),
            new Setting("method", c -> c.adapter().method(), true),
            new Setting("adapter_config", c -> JSON.valueToTree(c.adapter().config()), true),
            new Setting("adapter_seed", c -> c.adapter().seed(), true),
            new Setting("targets", TrainingConfig::targets, true),
            new Setting("text_targets", TrainingConfig::textTargets, true),
            new Setting("resolution", TrainingConfig::resolution, true),
            new Setting("random_flip", TrainingConfig::randomFlip, true),
            new Setting("sample_latents", TrainingConfig::sampleLatents, true),
            new Setting("steps", TrainingConfig::steps, true),
            new Setting("learning_rate", TrainingConfig::learningRate, true),
            new Setting("stiefel_learning_rate", TrainingConfig::stiefelLearningRate, true),
            new Setting("lr_schedule", TrainingConfig::lrSchedule, true),
            new Setting("warmup_steps", TrainingConfig::warmupSteps, true),
            new Setting("batch_size", TrainingConfig::batchSize, true),
            new Setting("gradient_accumulation", TrainingConfig::gradientAccumulation, true),
            new Setting("max_grad_norm", TrainingConfig::maxGradNorm, true),
            new Setting("seed", TrainingConfig::seed, true),
            new Setting("gradient_checkpointing", TrainingConfig::gradientCheckpointing, false),   // the same gradients either way
            new Setting("snr_gamma", TrainingConfig::snrGamma, true),
            new Setting("offset_noise", TrainingConfig::offsetNoise, true),
            new Setting("dco_beta", TrainingConfig::dcoBeta, true),
            new Setting("class_images", TrainingConfig::classImages, true),
            new Setting("class_prompt", TrainingConfig::classPrompt, true),
            new Setting("num_class_images", TrainingConfig::numClassImages, true),
            new Setting("prior_loss_weight", TrainingConfig::priorLossWeight, true),
            new Setting("out", TrainingConfig::out, false),
            new Setting("validation_every", TrainingConfig::validationEvery, false),
            new Setting("validation_prompts", TrainingConfig::validationPrompts, false),
            new Setting("checkpoint_every", TrainingConfig::checkpointEvery, false),
            new Setting("keep_checkpoints", TrainingConfig::keepCheckpoints, false),
            new Setting("resume", TrainingConfig::resume, false),
            new Setting("overwrite", TrainingConfig::overwrite, false),
            new Setting("eval_every", c -> c.evaluation().every(), false),
            new Setting("eval_clip", c -> c.evaluation().clip(), false),
            new Setting("eval_dino", c -> c.evaluation().dino(), false));

    /** Every setting by its run.json name. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        for (Setting s : SETTINGS) {
            Object v = s.value().apply(this);
            n.set(s.name(), v instanceof JsonNode j ? j : JSON.valueToTree(v == null ? null : v instanceof Path p ? p.toString() : v));
        }
        return n;
    }

    /**
     * How a run recorded in {@code runJson} (a run folder's run.json) differs from this one in what
     * shapes a run — the settings a resume must share and the base model — one "name: folder's
     * value → this run's" line each; empty for the same run.
     */
    public List<String> differences(JsonNode runJson, String baseModelHash) {
        List<String> d = new java.util.ArrayList<>();
        JsonNode hash = runJson.get("base_model_hash");
        if (hash == null || !hash.asText().equals(baseModelHash)) d.add("base_model_hash: " + hash + " → \"" + baseModelHash + "\"");
        JsonNode mine;
        try {
            mine = JSON.readTree(toJson().toString());                                          // as run.json reads back (a long 0 reads as an int 0)
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("run settings do not read back as JSON", e);
        }
        for (Setting s : SETTINGS) {
            if (!s.shapesTheRun()) continue;
            JsonNode theirs = runJson.get(s.name());
            if (!mine.get(s.name()).equals(theirs)) d.add(s.name() + ": " + (theirs == null ? "(absent)" : theirs.toString()) + " → " + mine.get(s.name()));
        }
        return d;
    }

    /** The settings a resumed run must share with the run it continues, and the base model's hash. */
    public String fingerprint(String baseModelHash) {
        StringBuilder sb = new StringBuilder(baseModelHash);
        for (Setting s : SETTINGS) {
            if (!s.shapesTheRun()) continue;
            Object v = s.value().apply(this);
            sb.append('|').append(s.name()).append('=').append(v instanceof JsonNode j ? j.toString() : String.valueOf(v));
        }
        return sb.toString();
    }
}
