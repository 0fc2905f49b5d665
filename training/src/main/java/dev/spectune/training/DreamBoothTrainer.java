/*
 * DreamBoothTrainer: teaches a model a subject from a few images (Ruiz et al. 2023, DreamBooth;
 * diffusers' train_dreambooth_lora.py) with any adapter: only the adapter's parameters train.
 *
 *   once:      latents z0 = VAE mean(image)·scaling_factor per image; prompt embeddings (frozen CLIP)
 *   per step:  t ~ U{0, …, T−1}, ε ~ N(0, I), z_t = √ᾱ_t z0 + √(1−ᾱ_t) ε
 *              loss = ‖ε̂(z_t, t, c) − target‖² mean, target ε (or v for v-prediction)
 *              gradients of the adapter parameters; global-norm clipping; Stiefel factors by
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
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class DreamBoothTrainer implements AutoCloseable {

    /** One logged step. */
    public record StepLog(int step, double loss, double learningRate, double gradNorm, double seconds) {}

    private final TrainingConfig config;
    private final StableDiffusionPipeline pipe;
    private final List<INDArray> latents = new ArrayList<>();
    private final INDArray promptEmbeds;
    private final ModelGraph unet;
    private final List<AdaptedWeight> adapted;
    private final AdamW adamw;
    private final StiefelAdam stiefel;
    private final DdpmScheduler noise;
    private final SDVariable loss;
    private final LearningRateSchedule schedule;
    private final List<String> parameterNames = new ArrayList<>();

    public DreamBoothTrainer(TrainingConfig config) throws IOException {
        this.config = config;
        this.pipe = StableDiffusionPipeline.open(config.model(), null);
        VaeConfig vae = vaeConfig();
        int f = AutoencoderKL.factor(vae);
        List<ImageFolder.Example> images = ImageFolder.load(config.images(), config.resolution(), config.prompt());
        ModelGraph encoder = AutoencoderKL.encoder(vae, pipe.component("vae"), DataType.FLOAT, 1, config.resolution(), config.resolution());
        for (ImageFolder.Example e : images) {
            INDArray eps = Nd4j.zeros(DataType.FLOAT, 1, vae.latentChannels(), config.resolution() / f, config.resolution() / f);
            latents.add(encoder.run(Map.of("image", e.pixels().reshape(1, 3, config.resolution(), config.resolution()), "eps", eps), "mean_scaled").get("mean_scaled"));
        }
        this.promptEmbeds = pipe.encode(config.prompt(), 1).embeds();
        int lh = config.resolution() / f;
        this.unet = UNet2DConditionModel.build(pipe.unetConfig(), pipe.component("unet"), DataType.FLOAT, config.batchSize(), lh, lh, 77);
        this.adapted = AdapterInjector.inject(unet.sd(), Pattern.compile(config.targets()), config.adapter().builder());
        Map<String, INDArray> euclidean = new LinkedHashMap<>(), onManifold = new LinkedHashMap<>();
        for (AdaptedWeight a : adapted) {
            for (AdapterParameter p : a.parameters()) {
                (p.kind() == ParamKind.STIEFEL ? onManifold : euclidean).put(p.name(), p.value());
                parameterNames.add(p.name());
            }
        }
        this.adamw = new AdamW(euclidean, config.learningRate(), 0.9, 0.999, 1e-8, 1e-2);
        this.stiefel = onManifold.isEmpty() ? null : new StiefelAdam(onManifold, config.stiefelLearningRate(), 0.9, 0.999, 1e-5, StiefelOptions.soda());
        SchedulerConfig sc = pipe.schedulerConfig();
        this.noise = new DdpmScheduler(sc);
        SameDiff sd = unet.sd();
        SDVariable target = sd.placeHolder("target", DataType.FLOAT, config.batchSize(), pipe.unetConfig().inChannels(), lh, lh);
        SDVariable diff = unet.get("out").sub(target);
        this.loss = diff.mul(diff).mean().rename("loss");
        sd.setLossVariables(loss);
        this.schedule = LearningRateSchedule.of(config.lrSchedule(), config.warmupSteps(), config.steps());
    }

    private VaeConfig vaeConfig() {
        java.nio.file.Path vaeConfig = config.model().resolve("vae/config.json");
        return java.nio.file.Files.isRegularFile(vaeConfig) ? VaeConfig.fromJson(vaeConfig) : VaeConfig.detectFromWeights(pipe.component("vae").shapes());
    }

    public StableDiffusionPipeline pipeline() {
        return pipe;
    }

    public List<AdaptedWeight> adapted() {
        return adapted;
    }

    public long trainableParameters() {
        return adapted.stream().mapToLong(AdaptedWeight::parameterCount).sum();
    }

    /** One optimisation step (0-based); returns its log line. */
    public StepLog step(int step) {
        long start = System.nanoTime();
        Random random = randomForStep(step);
        int b = config.batchSize();
        INDArray z0 = Nd4j.concat(0, pick(b, random));
        INDArray eps = gaussian(random, z0.shape());
        int[] t = new int[b];
        for (int i = 0; i < b; i++) t[i] = random.nextInt(noise.schedule().size());
        INDArray noisy = noise.addNoise(z0, eps, t);
        INDArray target = pipe.schedulerConfig().predictionType().equals("v_prediction") ? noise.velocity(z0, eps, t) : eps;
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("sample", noisy);
        double[] ts = new double[b];
        for (int i = 0; i < b; i++) ts[i] = t[i];
        feed.put("timestep", Nd4j.createFromArray(ts).castTo(DataType.FLOAT));
        feed.put("encoder_hidden_states", b == 1 ? promptEmbeds : Nd4j.concat(0, java.util.Collections.nCopies(b, promptEmbeds).toArray(INDArray[]::new)));
        feed.put("target", target);
        Map<String, INDArray> grads = unet.sd().calculateGradients(feed, parameterNames);
        double lossValue = unet.sd().output(feed, loss.name()).get(loss.name()).getDouble(0);
        double norm = GradientClipping.clipByGlobalNorm(grads.values(), config.maxGradNorm());
        double m = schedule.multiplier(step, config.learningRate());
        adamw.setLearningRate(config.learningRate() * m);
        adamw.step(grads);
        if (stiefel != null) {
            stiefel.setLearningRate(config.stiefelLearningRate() * m);
            stiefel.step(grads);
        }
        return new StepLog(step, lossValue, config.learningRate() * m, norm, (System.nanoTime() - start) / 1e9);
    }

    private INDArray[] pick(int b, Random random) {
        INDArray[] out = new INDArray[b];
        for (int i = 0; i < b; i++) {
            INDArray z = latents.get(random.nextInt(latents.size()));
            out[i] = config.randomFlip() && random.nextBoolean() ? flipHorizontally(z) : z;
        }
        return out;
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

    private static INDArray gaussian(Random random, long... shape) {
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
        return new Random(config.seed() * 0x9E3779B97F4A7C15L + step);
    }

    /** Adapter parameters ("param/…") and optimizer states ("adamw/…", "stiefel/…") after {@code completedSteps} steps. */
    public TrainingCheckpoint.State exportState(int completedSteps, List<StepLog> log, String fingerprint) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (AdaptedWeight a : adapted) for (AdapterParameter p : a.parameters()) tensors.put("param/" + p.name(), p.value().dup());
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
        for (AdaptedWeight a : adapted) {
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

    /** Loss averaged over fixed timesteps and noise (seeded independently of training): comparable across steps. */
    public double evaluationLoss(int[] timesteps, long seed) {
        Random r = new Random(seed);
        double total = 0;
        int n = 0;
        for (int t : timesteps) {
            for (INDArray z0 : latents) {
                long[] shape = z0.shape();
                float[] v = new float[(int) z0.length()];
                for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
                INDArray eps = Nd4j.createFromArray(v).reshape('c', shape);
                INDArray zt = noise.addNoise(z0, eps, new int[] {t});
                Map<String, INDArray> feed = new HashMap<>();
                int b = config.batchSize();
                feed.put("sample", b == 1 ? zt : Nd4j.concat(0, java.util.Collections.nCopies(b, zt).toArray(INDArray[]::new)));
                feed.put("timestep", Nd4j.valueArrayOf(new long[] {b}, t, DataType.FLOAT));
                feed.put("encoder_hidden_states", b == 1 ? promptEmbeds : Nd4j.concat(0, java.util.Collections.nCopies(b, promptEmbeds).toArray(INDArray[]::new)));
                feed.put("target", b == 1 ? eps : Nd4j.concat(0, java.util.Collections.nCopies(b, eps).toArray(INDArray[]::new)));
                total += unet.sd().output(feed, loss.name()).get(loss.name()).getDouble(0);
                n++;
            }
        }
        return total / n;
    }

    /** The adapted UNet weights as merged deltas, key → W(θ). */
    public Map<String, INDArray> mergedWeights() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (AdaptedWeight a : adapted) out.put(a.key(), a.merged());
        return out;
    }

    @Override
    public void close() {
        pipe.close();
    }
}
