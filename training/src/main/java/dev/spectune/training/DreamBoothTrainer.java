/*
 * DreamBoothTrainer: teaches a model a subject from a few images (Ruiz et al. 2023, DreamBooth;
 * diffusers' train_dreambooth_lora.py) with any adapter: only the adapter's parameters train.
 *
 *   once:      latents z0 = VAE mean(image)·scaling_factor per image; prompt embeddings (frozen CLIP),
 *              or, with the text encoder trained too, its token ids (TrainableTextEncoder)
 *   per step:  t ~ U{0, …, T−1}, ε ~ N(0, I); the forward and backward pass of TrainingStep
 *              (z_t, ε̂, loss against ε or v, DCO, the chain rule into a trained text encoder)
 *              for the adapter parameters; global-norm clipping; Stiefel factors by
 *              StiefelAdam, the rest by AdamW; learning-rate schedule
 * All randomness comes from java.util.Random, one generator per step seeded by (seed, step).
 */
package dev.spectune.training;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.optim.AdamW;
import dev.spectune.adapters.io.WeightSvdCache;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.training.data.ClassImages;
import dev.spectune.training.io.TrainingCheckpoint;
import dev.spectune.optim.GradientClipping;
import dev.spectune.optim.LearningRateSchedule;
import dev.spectune.optim.ParamKind;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.training.data.ImageFolder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class DreamBoothTrainer implements AutoCloseable {

    /** One logged step. */
    public record StepLog(int step, double loss, double learningRate, double gradNorm, double seconds) {}

    private final TrainingConfig config;
    private final StableDiffusionPipeline pipe;
    private final List<INDArray> latents = new ArrayList<>();
    private final List<INDArray> latentStds = new ArrayList<>(), classLatentStds = new ArrayList<>();   // posterior std · scaling factor [1, C, h, w]
    private final List<INDArray> embeds = new ArrayList<>();                  // per image: its caption's CLIP embedding [1, 77, D]
    private final List<INDArray> classLatents = new ArrayList<>(), classEmbeds = new ArrayList<>();   // prior preservation (empty: off)
    private final List<INDArray> captionIds = new ArrayList<>(), classCaptionIds = new ArrayList<>();  // per image [1, 77], for a trained text encoder
    private final boolean velocity;                                            // the scheduler predicts v, not ε
    private final TrainableTextEncoder text;                                  // null: the text encoder is frozen
    private final TrainingStep trainingStep;
    private final List<AdaptedWeight> adapted;
    private final AdamW adamw;
    private final StiefelAdam stiefel;
    private final DdpmScheduler noise;
    /** The adapter at its initialisation (the base model for identity-initialised methods): DCO's reference. */
    private final Map<String, INDArray> initialValues = new LinkedHashMap<>();
    private final LearningRateSchedule schedule;
    private final WeightSvdCache svdCache = WeightSvdCache.standard();

    public DreamBoothTrainer(TrainingConfig config) throws IOException {
        this(config, ImageFolder.load(config.images(), config.resolution(), config.prompt()));   // every image checked before the model loads
    }

    /** With the instance images already read (TrainingRun reads them before it claims the run folder). */
    public DreamBoothTrainer(TrainingConfig config, List<ImageFolder.Example> images) throws IOException {
        this.config = config;
        this.pipe = StableDiffusionPipeline.open(config.model(), null);
        this.velocity = pipe.schedulerConfig().predictionType().equals("v_prediction");
        VaeConfig vae = vaeConfig();
        int f = AutoencoderKL.factor(vae);
        ModelGraph encoder = AutoencoderKL.encoder(vae, pipe.component("vae"), DataType.FLOAT, 1, config.resolution(), config.resolution());
        encode(images, encoder, vae, f, latents, latentStds, embeds);
        if (config.trainsTextEncoder()) images.forEach(e -> captionIds.add(pipe.tokenIds(e.caption())));
        if (config.classImages() != null) {
            ClassImages.ensure(pipe, config.model(), config.classImages(), config.classPrompt(), config.numClassImages(), config.resolution(),
                    config.seed() + 1_000_000L, System.out);
            List<ImageFolder.Example> classExamples = ImageFolder.load(config.classImages(), config.resolution(), config.classPrompt());
            encode(classExamples, encoder, vae, f, classLatents, classLatentStds, classEmbeds);
            if (config.trainsTextEncoder()) classExamples.forEach(e -> classCaptionIds.add(pipe.tokenIds(e.caption())));
        }
        int lh = config.resolution() / f;
        ModelGraph unet = UNet2DConditionModel.build(pipe.unetConfig(), pipe.component("unet"), DataType.FLOAT, config.batchSize(), lh, lh, 77);
        this.adapted = AdapterInjector.inject(unet.sd(), Pattern.compile(config.targets()), config.adapter().builder(Map.of(), svdCache));
        this.text = config.trainsTextEncoder() ? TrainableTextEncoder.forAdapters(pipe, config.batchSize(), config.textTargets(), config.adapter(), svdCache) : null;
        Map<String, INDArray> euclidean = new LinkedHashMap<>(), onManifold = new LinkedHashMap<>();
        for (AdaptedWeight a : allAdapted()) {
            for (AdapterParameter p : a.parameters()) {
                (p.kind() == ParamKind.STIEFEL ? onManifold : euclidean).put(p.name(), p.value());
            }
        }
        List<String> parameterNames = new ArrayList<>();
        adapted.forEach(a -> a.parameters().forEach(p -> parameterNames.add(p.name())));
        this.adamw = new AdamW(euclidean, config.learningRate(), 0.9, 0.999, 1e-8, 1e-2);
        this.stiefel = onManifold.isEmpty() ? null : new StiefelAdam(onManifold, config.stiefelLearningRate(), 0.9, 0.999, 1e-5, StiefelOptions.soda());
        SchedulerConfig sc = pipe.schedulerConfig();
        this.noise = new DdpmScheduler(sc);
        this.trainingStep = new TrainingStep(unet, noise, velocity, text, parameterNames, config.dcoBeta(), config.gradientCheckpointing());
        for (AdaptedWeight w : allAdapted()) for (AdapterParameter p : w.parameters()) initialValues.put(p.name(), p.value().dup());
        this.schedule = LearningRateSchedule.of(config.lrSchedule(), config.warmupSteps(), config.steps());
        Nd4jRuntime.collectGarbage();                                                     // what building the graphs and adapters left behind
    }

    /**
     * Latents z0 = VAE posterior mean · scaling factor, the posterior std · scaling factor (for
     * --latent-sample) and caption embeddings (each caption encoded once) of every example.
     */
    private void encode(List<ImageFolder.Example> examples, ModelGraph encoder, VaeConfig vae, int f, List<INDArray> latentsOut, List<INDArray> stdsOut,
                        List<INDArray> embedsOut) {
        Map<String, INDArray> byCaption = new HashMap<>();
        for (ImageFolder.Example e : examples) {
            INDArray eps = Nd4j.zeros(DataType.FLOAT, 1, vae.latentChannels(), config.resolution() / f, config.resolution() / f);
            Map<String, INDArray> out = encoder.run(Map.of("image", e.pixels().reshape(1, 3, config.resolution(), config.resolution()), "eps", eps),
                    "mean_scaled", "posterior_std");
            latentsOut.add(out.get("mean_scaled"));                                       // [1, C, h, w]
            stdsOut.add(out.get("posterior_std").mul(vae.scalingFactor()));               // [1, C, h, w]
            embedsOut.add(byCaption.computeIfAbsent(e.caption(), caption -> {
                int tokens = pipe.tokenizer().encode(caption).length, max = 77 - 2;                 // CLIP's window less BOS and EOS
                if (tokens > max) {
                    System.err.printf("warning: the caption of %s has %d tokens; CLIP reads %d, the last %d are not trained on%n", e.source(), tokens, max, tokens - max);
                }
                return pipe.encode(caption, 1).embeds();
            }));
        }
    }

    private VaeConfig vaeConfig() {
        return pipe.vaeConfig();                                                          // the pipeline's (a folder's config, or detected for a single file)
    }

    public StableDiffusionPipeline pipeline() {
        return pipe;
    }

    /** Where the initial SVDs came from (hits: read from the cache; misses: decomposed now). */
    public WeightSvdCache svdCache() {
        return svdCache;
    }

    /** The UNet's adapted layers. */
    public List<AdaptedWeight> adapted() {
        return adapted;
    }

    /** The text encoder's adapted layers (empty when it is frozen). */
    public List<AdaptedWeight> textAdapted() {
        return text == null ? List.of() : text.adapted();
    }

    /** UNet and text-encoder layers: everything the optimizer trains. */
    public List<AdaptedWeight> allAdapted() {
        List<AdaptedWeight> all = new ArrayList<>(adapted);
        all.addAll(textAdapted());
        return all;
    }

    public long trainableParameters() {
        return allAdapted().stream().mapToLong(AdaptedWeight::parameterCount).sum();
    }

    /** One data set's share of a step: the examples drawn, their latents, noise and timesteps ([N·B, …]). */
    private record Draw(int[] picked, INDArray z0, INDArray eps, int[] t) {}

    private Draw draw(Random random, List<INDArray> from, List<INDArray> stds, int total) {
        int[] picked = new int[total];
        for (int i = 0; i < total; i++) picked[i] = random.nextInt(from.size());
        INDArray z0 = Nd4j.concat(0, latentsOf(from, stds, picked, random));               // [N·B, C, h, w]
        INDArray eps = gaussian(random, z0.shape());
        if (config.offsetNoise() > 0) {                                                   // Guttenberg's offset noise: a per-channel constant
            eps.addi(gaussian(random, z0.size(0), z0.size(1), 1, 1).muli(config.offsetNoise()));
        }
        int[] t = new int[total];
        for (int i = 0; i < total; i++) t[i] = random.nextInt(noise.schedule().size());
        return new Draw(picked, z0, eps, t);
    }

    /**
     * One optimisation step (0-based); returns its log line. The step draws its whole effective
     * batch (batch size × accumulation) first, then runs it in micro-batches of the batch size and
     * averages their gradients: accumulating N micro-batches of B equals one batch of N·B. With prior
     * preservation a class batch of the same size is drawn too and its loss added with the prior
     * weight λ: loss = MSE(instance) + λ·MSE(class), as diffusers' train_dreambooth.py computes it.
     * With DCO (Lee et al. 2024, "Direct Consistency Optimization for Compositional Text-to-Image
     * Personalization"; the SODA authors' default, β = 1000) the instance term is
     * −log σ(−β·(L − L_ref)) with L_ref the loss of the reference model on the same batch.
     */
    public StepLog step(int step) {
        long start = System.nanoTime();
        Accumulated acc = accumulate(step);
        Map<String, INDArray> grads = acc.grads();
        double lossValue = acc.loss();
        if (!Double.isFinite(lossValue)) {                                                 // nothing is updated: the last checkpoint stays the last good one
            String where = trainingStep.firstNonFinite();
            throw new IllegalStateException("step " + (step + 1) + ": the training loss is " + lossValue + "; stopped before updating the adapter"
                    + (where == null ? "" : "; the first non-finite value in the UNet: " + where)
                    + " (lower --lr, or check the model's weights and the images)");
        }
        double norm = GradientClipping.clipByGlobalNorm(grads.values(), config.maxGradNorm());
        double m = schedule.multiplier(step, config.learningRate());
        adamw.setLearningRate(config.learningRate() * m);
        adamw.step(grads);
        if (stiefel != null) {
            stiefel.setLearningRate(config.stiefelLearningRate() * m);
            stiefel.step(grads);
        }
        allAdapted().forEach(AdaptedWeight::constrain);                                   // COFT's ε ball
        return new StepLog(step, lossValue, config.learningRate() * m, norm, (System.nanoTime() - start) / 1e9);
    }

    /** A step's gradients (of every adapter parameter, averaged over its micro-batches) and objective, before clipping. */
    record Accumulated(Map<String, INDArray> grads, double loss) {}

    /**
     * Frees the buffers of the step's plans between phases (evaluation, validation sampling), so
     * their peaks do not add up; the next step allocates them again.
     */
    void releaseBuffers() {
        trainingStep.releaseBuffers();
        dev.spectune.runtime.Nd4jRuntime.collectGarbage();
    }

    /** The UNet's forward and backward this trainer repeats (its plan, for tests and benches). */
    TrainingStep trainingStep() {
        return trainingStep;
    }

    Accumulated accumulate(int step) {
        Random random = randomForStep(step);
        int b = config.batchSize(), micro = config.gradientAccumulation(), total = b * micro;
        Draw instance = draw(random, latents, latentStds, total);
        Draw prior = classLatents.isEmpty() ? null : draw(random, classLatents, classLatentStds, total);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        double lossValue = 0;
        for (int m = 0; m < micro; m++) {
            lossValue += pass(instance, true, m * b, 1.0 / micro, grads);
            if (prior != null) lossValue += pass(prior, false, m * b, config.priorLossWeight() / micro, grads);
        }
        return new Accumulated(grads, lossValue);
    }

    /** Forward and backward of one micro-batch starting at row {@code from}; adds weight·∇ to {@code grads}, returns weight·loss. */
    private double pass(Draw d, boolean instance, int from, double weight, Map<String, INDArray> grads) {
        int b = config.batchSize();
        INDArray z = rows(d.z0(), from, b), e = rows(d.eps(), from, b);                      // [B, C, h, w]
        int[] tm = java.util.Arrays.copyOfRange(d.t(), from, from + b);
        INDArray ids = text == null ? null : concatRows(instance ? captionIds : classCaptionIds, d.picked(), from, b);     // [B, 77]
        INDArray hidden = text == null ? concatRows(instance ? embeds : classEmbeds, d.picked(), from, b) : null;         // [B, 77, D]
        TrainingStep.Batch batch = new TrainingStep.Batch(z, e, tm, hidden, ids, lossWeights(tm, velocity));
        boolean dco = config.dcoBeta() > 0 && instance;                                   // DCO on instance batches; the prior keeps the MSE
        double reference = dco ? referenceLoss(batch) : 0;
        TrainingStep.Result result = trainingStep.forwardBackward(batch, dco, (float) reference);
        for (var g : result.gradients().entrySet()) {
            INDArray sum = grads.get(g.getKey());
            if (sum == null) grads.put(g.getKey(), g.getValue().mul(weight));
            else sum.addi(g.getValue().mul(weight));
        }
        return weight * result.objective();
    }

    /** L_ref: the same batch's loss with the adapter at its initialisation (no gradient). */
    private double referenceLoss(TrainingStep.Batch batch) {
        Map<String, INDArray> current = new HashMap<>();
        for (AdaptedWeight a : allAdapted()) {
            for (AdapterParameter p : a.parameters()) {
                current.put(p.name(), p.value().dup());
                p.value().assign(initialValues.get(p.name()));
            }
        }
        try {
            return trainingStep.loss(batch);                                                // the reference text encoder too
        } finally {
            for (AdaptedWeight a : allAdapted()) for (AdapterParameter p : a.parameters()) p.value().assign(current.get(p.name()));
        }
    }

    /** The picked examples' cached rows ([1, 77, D] embeddings or [1, 77] token ids) from {@code from}, stacked: [B, …]. */
    private static INDArray concatRows(List<INDArray> perExample, int[] picked, int from, int b) {
        INDArray[] rows = new INDArray[b];
        for (int i = 0; i < b; i++) rows[i] = perExample.get(picked[from + i]);
        return b == 1 ? rows[0] : Nd4j.concat(0, rows);
    }

    private static INDArray rows(INDArray a, int from, int count) {
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + count)).dup('c');
    }

    /** The picked latents: the posterior means, or with --latent-sample draws mean + std·ε; mirrored with --random-flip. */
    private INDArray[] latentsOf(List<INDArray> from, List<INDArray> stds, int[] picked, Random random) {
        INDArray[] out = new INDArray[picked.length];
        for (int i = 0; i < picked.length; i++) {
            INDArray z = from.get(picked[i]);
            if (config.sampleLatents()) z = z.add(stds.get(picked[i]).mul(gaussian(random, z.shape())));
            out[i] = config.randomFlip() && random.nextBoolean() ? flipHorizontally(z) : z;
        }
        return out;
    }

    /**
     * Per-sample loss weights [B, 1, 1, 1]: 1, or with min-SNR-γ (Hang et al., "Efficient Diffusion
     * Training via Min-SNR Weighting Strategy", ICCV 2023; diffusers' --snr_gamma)
     * min(SNR(t), γ) / SNR(t) for ε-prediction and min(SNR(t), γ) / (SNR(t) + 1) for v-prediction,
     * SNR(t) = ᾱ_t / (1 − ᾱ_t).
     */
    INDArray lossWeights(int[] t, boolean velocity) {
        float[] w = new float[t.length];
        for (int i = 0; i < t.length; i++) w[i] = config.snrGamma() > 0 ? (float) minSnrWeight(noise.schedule().alphasCumprod()[t[i]], config.snrGamma(), velocity) : 1f;
        return Nd4j.createFromArray(w).reshape(t.length, 1, 1, 1);
    }

    public static double minSnrWeight(double alphaBar, double gamma, boolean velocity) {
        double snr = alphaBar / (1 - alphaBar);
        return Math.min(snr, gamma) / (velocity ? snr + 1 : snr);
    }

    /** The latent of the mirrored image: columns reversed ([1, C, h, w]). */
    private static INDArray flipHorizontally(INDArray z) {
        long w = z.size(3);
        INDArray out = z.ulike();
        for (long x = 0; x < w; x++) {
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(x)).assign(z.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(w - 1 - x)));
        }
        return out;
    }

    /** Standard normal float32 values from java.util.Random, c order (the trainers' noise: portable and seedable per step). */
    public static INDArray gaussian(Random random, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return Nd4j.createFromArray(v).reshape('c', shape);
    }

    /**
     * The generator of step {@code step}: seeded by (seed, step) alone, so a resumed run draws exactly
     * what an uninterrupted one would without saving any generator state.
     */
    Random randomForStep(int step) {
        return randomForStep(config.seed(), step);
    }

    /** The generator of step {@code step} of a run seeded {@code seed}; the pretrainers draw from it too. */
    public static Random randomForStep(long seed, int step) {
        return new Random(seed * 0x9E3779B97F4A7C15L + step);
    }

    /** Adapter parameters ("param/…") and optimizer states ("adamw/…", "stiefel/…") after {@code completedSteps} steps. */
    public TrainingCheckpoint.State exportState(int completedSteps, List<StepLog> log, String fingerprint) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (AdaptedWeight a : allAdapted()) for (AdapterParameter p : a.parameters()) tensors.put("param/" + p.name(), p.value().dup());
        adamw.stateTensors().forEach((k, v) -> tensors.put("adamw/" + k, v));
        adamw.stateScalars().forEach((k, v) -> scalars.put("adamw/" + k, v));
        if (stiefel != null) {
            stiefel.stateTensors().forEach((k, v) -> tensors.put("stiefel/" + k, v));
            stiefel.stateScalars().forEach((k, v) -> scalars.put("stiefel/" + k, v));
        }
        List<double[]> rows = new ArrayList<>();
        for (StepLog l : log) rows.add(new double[] {l.step(), l.loss(), l.learningRate(), l.gradNorm(), l.seconds()});
        return new TrainingCheckpoint.State(completedSteps, tensors, scalars, rows, fingerprint);
    }

    /** Loads parameters and optimizer states from a checkpoint; every adapter parameter must be present with its shape. */
    public void restore(TrainingCheckpoint.State state) {
        for (AdaptedWeight a : allAdapted()) {
            for (AdapterParameter p : a.parameters()) {
                INDArray v = state.tensors().get("param/" + p.name());
                if (v == null || !java.util.Arrays.equals(v.shape(), p.value().shape())) {
                    throw new dev.spectune.checkpoint.CheckpointException("checkpoint does not fit this run: parameter " + p.name()
                            + (v == null ? " is missing" : " has shape " + java.util.Arrays.toString(v.shape()) + ", expected " + java.util.Arrays.toString(p.value().shape())));
                }
                p.value().assign(v);
            }
        }
        adamw.loadState(select(state.tensors(), "adamw/"), select(state.scalars(), "adamw/"));
        if (stiefel != null) stiefel.loadState(select(state.tensors(), "stiefel/"), select(state.scalars(), "stiefel/"));
    }

    private static <V> Map<String, V> select(Map<String, V> all, String prefix) {
        Map<String, V> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    /**
     * Loss averaged over fixed timesteps and noise (seeded independently of training): comparable
     * across steps. The target is what the scheduler's prediction type says (ε, or v).
     */
    public double evaluationLoss(int[] timesteps, long seed) {
        releaseBuffers();                                                                  // the training step's buffers are not needed meanwhile
        Random r = new Random(seed);
        double total = 0;
        int n = 0;
        int b = config.batchSize();
        for (int t : timesteps) {
            for (int example = 0; example < latents.size(); example++) {
                INDArray z0 = latents.get(example);
                INDArray eps = gaussian(r, z0.shape());
                int[] ts = new int[b];
                java.util.Arrays.fill(ts, t);
                total += trainingStep.loss(new TrainingStep.Batch(tile(z0, b), tile(eps, b), ts,
                        text == null ? tile(embeds.get(example), b) : null, text == null ? null : tile(captionIds.get(example), b),
                        Nd4j.ones(DataType.FLOAT, b, 1, 1, 1)));
                n++;
            }
        }
        releaseBuffers();                                                                  // nor the evaluation's, once it is done
        return total / n;
    }

    /** b copies of a [1, …] tensor along the batch axis (the graph's batch size is fixed). */
    private static INDArray tile(INDArray one, int b) {
        return b == 1 ? one : Nd4j.concat(0, java.util.Collections.nCopies(b, one).toArray(INDArray[]::new));
    }

    @Override
    public void close() {
        pipe.close();
    }
}
