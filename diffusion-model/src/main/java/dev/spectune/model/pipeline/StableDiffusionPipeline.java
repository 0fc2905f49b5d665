/*
 * StableDiffusionPipeline: text-to-image sampling as diffusers' StableDiffusionPipeline.__call__
 * does it (pipeline_stable_diffusion.py), over spectune's graphs.
 *
 *   prompt, negative prompt → CLIP ids (77, truncated with a count of what was dropped) → text
 *   encoder (last layer, or clip skip n) → embeddings
 *   latents = initial noise · init_noise_sigma
 *   per timestep: ε = unet(scale(latents)) on [negative, prompt] (classifier-free guidance when
 *   the scale exceeds 1): ε = ε_neg + g·(ε_prompt − ε_neg); latents = scheduler.step(ε)
 *   image = clamp(vae.decode(latents / scaling_factor)/2 + 0.5, 0, 1)
 * Graphs are built once per batch and size and cached.
 */
package dev.spectune.model.pipeline;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.ModelFormat;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.scheduler.Scheduler;
import dev.spectune.model.scheduler.Schedulers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

public final class StableDiffusionPipeline implements AutoCloseable {

    private final Path modelPath;
    private final Checkpoint checkpoint;
    private final ClipTokenizer tokenizer;
    private final TextEncoderConfig textConfig;
    private final UNetConfig unetConfig;
    private final VaeConfig vaeConfig;
    private final SchedulerConfig schedulerConfig;
    private ModelGraph textEncoder;
    private final Map<String, ModelGraph> graphs = new HashMap<>();
    private java.util.function.Consumer<ModelGraph> unetHook = g -> { };

    private StableDiffusionPipeline(Path modelPath, Checkpoint checkpoint, ClipTokenizer tokenizer, TextEncoderConfig textConfig,
                                    UNetConfig unetConfig, VaeConfig vaeConfig, SchedulerConfig schedulerConfig) {
        this.modelPath = modelPath;
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.textConfig = textConfig;
        this.unetConfig = unetConfig;
        this.vaeConfig = vaeConfig;
        this.schedulerConfig = schedulerConfig;
        // Built now, so that weights that do not fit the config fail before any sampling.
        this.textEncoder = ClipTextModel.build(textConfig, checkpoint.component("text_encoder"), DataType.FLOAT, 1, ClipTokenizer.MODEL_MAX_LENGTH);
    }

    /**
     * A diffusers pipeline folder, or a single-file checkpoint with {@code configDir} (a diffusers
     * folder holding at least tokenizer/, scheduler/ and text_encoder/config.json). A single file's
     * UNet and VAE configs are detected from its weights, as stable-diffusion.cpp does.
     */
    public static StableDiffusionPipeline open(Path model, Path configDir) {
        if (!Files.exists(model)) throw new CheckpointException(model + ": no such model folder or file");
        Checkpoint checkpoint = Checkpoint.open(model);
        try {
            Path configs;
            if (checkpoint.format() == ModelFormat.DIFFUSERS_PIPELINE || checkpoint.format() == ModelFormat.DIFFUSERS_FOLDER) {
                configs = configDir != null ? configDir : model;
            } else if (checkpoint.format() == ModelFormat.SINGLE_FILE) {
                if (configDir == null) throw new CheckpointException(model + ": a single-file checkpoint needs --config DIR (a diffusers folder with tokenizer/, scheduler/, text_encoder/config.json)");
                configs = configDir;
            } else {
                throw new CheckpointException(model + ": not a Stable Diffusion pipeline (" + checkpoint.format().description() + ")");
            }
            for (String c : List.of("unet", "vae", "text_encoder")) checkpoint.component(c);
            ClipTokenizer tokenizer = ClipTokenizer.fromFolder(requireDir(configs.resolve("tokenizer")));
            TextEncoderConfig text = TextEncoderConfig.fromJson(configs.resolve("text_encoder/config.json"));
            boolean single = checkpoint.format() == ModelFormat.SINGLE_FILE;
            // A pipeline folder carries each component's config (its absence is an error, not a guess: heads,
            // for one, cannot be read off the shapes); a single file has none, and its configs are detected.
            if (!single) {
                for (String c : List.of("unet", "vae")) {
                    if (!Files.isRegularFile(configs.resolve(c + "/config.json"))) {
                        throw new CheckpointException(configs.resolve(c + "/config.json") + ": missing; a diffusers pipeline folder has one per component");
                    }
                }
            }
            UNetConfig unet = !single ? UNetConfig.fromJson(configs.resolve("unet/config.json")) : UNetConfig.detectFromWeights(checkpoint.component("unet").shapes());
            VaeConfig vae = !single ? VaeConfig.fromJson(configs.resolve("vae/config.json")) : VaeConfig.detectFromWeights(checkpoint.component("vae").shapes());
            SchedulerConfig scheduler = SchedulerConfig.fromJson(configs.resolve("scheduler/scheduler_config.json"));
            if (single) {                                                                         // what the shapes cannot say is assumed: say so
                System.err.printf("note: %s has no configs; detected from its weights, with what they cannot tell assumed as Stable Diffusion does:"
                        + " UNet attention heads %s, norm_num_groups %d (UNet) and %d (VAE), use_linear_projection %s%n",
                        model.getFileName(), unet.attentionHeads(), unet.normNumGroups(), vae.normNumGroups(), unet.useLinearProjection());
            }
            return new StableDiffusionPipeline(model, checkpoint, tokenizer, text, unet, vae, scheduler);
        } catch (IOException e) {
            checkpoint.close();
            throw new CheckpointException(model + ": " + e.getMessage());
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    private static Path requireDir(Path p) {
        if (!Files.isDirectory(p)) throw new CheckpointException(p + ": missing (the CLIP tokenizer folder: vocab.json, merges.txt)");
        return p;
    }

    public Path modelPath() {
        return modelPath;
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    public UNetConfig unetConfig() {
        return unetConfig;
    }

    public VaeConfig vaeConfig() {
        return vaeConfig;
    }

    /** The image side the model is made for: the UNet's sample_size × the VAE's downsampling factor, or {@code fallback} when the UNet config gives no sample size. */
    public int defaultImageSide(int fallback) {
        Integer latent = unetConfig.sampleSize();
        return latent == null ? fallback : latent * dev.spectune.model.AutoencoderKL.factor(vaeConfig);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public WeightSource component(String name) {
        return checkpoint.component(name);
    }

    /**
     * Rebuilds the text encoder's graph and applies {@code hook} to it (e.g. injecting or merging a
     * trained text-encoder adapter); an empty hook restores the plain text encoder.
     */
    public void setTextEncoderHook(java.util.function.Consumer<ModelGraph> hook) {
        ModelGraph fresh = ClipTextModel.build(textConfig, checkpoint.component("text_encoder"), DataType.FLOAT, 1, ClipTokenizer.MODEL_MAX_LENGTH);
        hook.accept(fresh);
        this.textEncoder = fresh;
    }

    public TextEncoderConfig textConfig() {
        return textConfig;
    }

    /**
     * Applied to every UNet graph the pipeline builds from now on (e.g. injecting a trained adapter);
     * graphs built before are dropped.
     */
    public void setUNetHook(java.util.function.Consumer<ModelGraph> hook) {
        this.unetHook = hook;
        graphs.keySet().removeIf(k -> k.startsWith("unet:"));
    }

    /** Float32 bytes of the text encoder's, the UNet's and the VAE's weights, from their headers (compute copies are float32 whatever the stored type). */
    public long weightBytes() {
        return 4 * (component("text_encoder").parameterCount() + component("unet").parameterCount() + component("vae").parameterCount());
    }

    /**
     * The memory {@code generate} would hold for {@code images} images at height × width, estimated
     * before the weights are read (dev.spectune.model.MemoryEstimate); {@code sideToEstimate}
     * answers the same for a smaller longer side, for a refusal to name a size that fits.
     */
    public java.util.function.IntFunction<dev.spectune.model.MemoryEstimate> memoryEstimates(int height, int width, int images, boolean guided) {
        long weights = weightBytes(), resident = dev.spectune.runtime.ProcessMemory.resident();
        int longer = Math.max(height, width);
        return side -> {
            int h = Math.max(8, (int) ((long) height * side / longer) / 8 * 8), w = Math.max(8, (int) ((long) width * side / longer) / 8 * 8);
            return dev.spectune.model.MemoryEstimate.sampling(resident, unetConfig, vaeConfig(), weights, h, w, images, guided);
        };
    }

    /** Drops the plan buffers of every graph the pipeline keeps (text encoder, UNet, VAE): they are allocated again on the next use. */
    public void releaseBuffers() {
        textEncoder.releaseBuffers();
        graphs.values().forEach(ModelGraph::releaseBuffers);
    }

    /** The scheduler a request asks for: its short name, or the model's own config. */
    public Scheduler scheduler(GenerationRequest r) {
        if (r.scheduler() == null || r.scheduler().isBlank()) {
            if (schedulerConfig.className().equals("DDIMScheduler")) return Schedulers.byName("ddim", schedulerConfig, r.eta());
            return Schedulers.fromConfig(schedulerConfig);
        }
        return Schedulers.byName(r.scheduler(), schedulerConfig, r.eta());
    }

    /** Text embeddings [1, 77, D] of one prompt, and how many tokens truncation dropped. */
    public record Embedding(INDArray embeds, int truncatedTokens) {}

    public Embedding encode(String prompt, int clipSkip) {
        ClipTokenizer.Encoded e = tokenizer.encodeForModel(prompt, ClipTokenizer.MODEL_MAX_LENGTH);
        INDArray ids = idsArray(e.ids());
        String tap = clipSkip <= 1 ? "last_hidden_state" : "clip_skip." + clipSkip;
        if (!textEncoder.hasTap(tap)) throw new IllegalArgumentException("clip skip " + clipSkip + " exceeds the text encoder's " + textConfig.numHiddenLayers() + " layers");
        INDArray out = textEncoder.run(Map.of("input_ids", ids, "pool_index", ClipTextModel.poolIndex(textConfig, ids)), tap).get(tap);
        return new Embedding(out, e.truncatedTokens());
    }

    public GenerationResult generate(GenerationRequest r, StepListener listener) {
        long start = System.nanoTime();
        int f = AutoencoderKL.factor(vaeConfig);
        if (r.height() % f != 0 || r.width() % f != 0) {
            throw new IllegalArgumentException("height and width must be multiples of " + f + " (the VAE's scale factor), got " + r.height() + "x" + r.width());
        }
        int n = r.numImages(), lh = r.height() / f, lw = r.width() / f, channels = unetConfig.inChannels();
        Embedding positive = encode(r.prompt(), r.clipSkip());
        Embedding negative = r.guided() ? encode(r.negativePrompt(), r.clipSkip()) : null;
        Random random = new Random(r.seed());
        INDArray init = r.initLatents() != null ? r.initLatents().castTo(DataType.FLOAT) : gaussian(random, n, channels, lh, lw);
        if (init.size(0) != n || init.size(1) != channels || init.size(2) != lh || init.size(3) != lw) {
            throw new IllegalArgumentException("initial latents must be [" + n + ", " + channels + ", " + lh + ", " + lw + "]");
        }
        Scheduler scheduler = scheduler(r);
        scheduler.setTimesteps(r.steps());
        double[] timesteps = scheduler.timesteps();
        int unetBatch = r.guided() ? 2 * n : n;
        ModelGraph unet = graphs.computeIfAbsent("unet:" + unetBatch + ":" + lh + "x" + lw, k -> {
            ModelGraph g = UNet2DConditionModel.build(unetConfig, checkpoint.component("unet"), DataType.FLOAT, unetBatch, lh, lw, ClipTokenizer.MODEL_MAX_LENGTH);
            unetHook.accept(g);
            return g;
        });
        INDArray context = r.guided()
                ? Nd4j.concat(0, repeat(negative.embeds(), n), repeat(positive.embeds(), n))
                : repeat(positive.embeds(), n);                                                  // [B, 77, D]

        INDArray latents = init.mul(scheduler.initNoiseSigma());
        List<INDArray> stepLatents = new ArrayList<>();
        for (int i = 0; i < timesteps.length; i++) {
            INDArray input = scheduler.scaleModelInput(latents, i);
            INDArray batchInput = r.guided() ? Nd4j.concat(0, input, input) : input;
            INDArray t = Nd4j.valueArrayOf(new long[] {unetBatch}, timesteps[i], DataType.FLOAT);
            INDArray eps = unet.run(Map.of("sample", batchInput, "timestep", t, "encoder_hidden_states", context), "out").get("out");
            if (r.guided()) {
                INDArray uncond = eps.get(NDArrayIndex.interval(0, n)), cond = eps.get(NDArrayIndex.interval(n, 2 * n));
                eps = uncond.add(cond.sub(uncond).muli(r.guidanceScale()));
            }
            latents = scheduler.step(eps, i, latents, gaussian(random, n, channels, lh, lw)).prevSample();
            double sum = latents.sumNumber().doubleValue();                                      // NaN or ∞ anywhere makes the sum so
            if (!Double.isFinite(sum)) {
                throw new NonFiniteLatents("step " + (i + 1) + " of " + timesteps.length + " (t = " + (int) timesteps[i] + "): the latents became "
                        + (Double.isNaN(sum) ? "NaN" : "infinite") + " (the UNet's prediction was " + (Double.isFinite(eps.sumNumber().doubleValue()) ? "finite" : "not finite")
                        + "); no image was written — check the model's and adapters' weights, the guidance and the strengths");
            }
            stepLatents.add(latents);
            listener.afterStep(i + 1, timesteps.length, timesteps[i]);
        }
        INDArray images = decode(latents);
        return new GenerationResult(images, positive.embeds(), negative == null ? null : negative.embeds(), init, stepLatents, timesteps,
                positive.truncatedTokens(), negative == null ? 0 : negative.truncatedTokens(), (System.nanoTime() - start) / 1e9);
    }

    /** Sampling stopped: the latents turned NaN or infinite at a step (named in the message). */
    public static final class NonFiniteLatents extends IllegalStateException {
        NonFiniteLatents(String message) {
            super(message);
        }
    }

    /** VAE decode of UNet latents [N, 4, h, w] to images in [0, 1]. */
    public INDArray decode(INDArray latents) {
        int n = (int) latents.size(0), lh = (int) latents.size(2), lw = (int) latents.size(3);
        ModelGraph vae = graphs.computeIfAbsent("vae:" + n + ":" + lh + "x" + lw,
                k -> AutoencoderKL.decoder(vaeConfig, checkpoint.component("vae"), DataType.FLOAT, n, lh, lw));
        INDArray x = vae.run(Map.of("latents", latents.div(vaeConfig.scalingFactor())), "decoded").get("decoded");
        return org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(x.div(2).addi(0.5), 0.0), 1.0);
    }

    private static INDArray repeat(INDArray x, int n) {
        if (n == 1) return x;
        INDArray[] parts = new INDArray[n];
        java.util.Arrays.fill(parts, x);
        return Nd4j.concat(0, parts);
    }

    /** Standard normal float32 values from java.util.Random (portable across ND4J backends). */
    static INDArray gaussian(Random random, long... shape) {
        long count = 1;
        for (long d : shape) count *= d;
        float[] v = new float[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return Nd4j.createFromArray(v).reshape('c', shape);
    }

    /** Token ids [1, 77] of a prompt as the text encoder reads them (padded, truncated to 77). */
    public INDArray tokenIds(String prompt) {
        return idsArray(tokenizer.encodeForModel(prompt, ClipTokenizer.MODEL_MAX_LENGTH).ids());
    }

    private static INDArray idsArray(int[] ids) {
        return Nd4j.createFromArray(toLong(ids)).reshape(1, ids.length);                 // [1, 77]
    }

    private static long[] toLong(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = ids[i];
        return out;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
