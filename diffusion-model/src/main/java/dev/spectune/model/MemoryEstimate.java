/*
 * MemoryEstimate: how much memory a sampling or training run will hold at its peak, worked out
 * from the model's configs and tensor headers before anything large is allocated, so a run that
 * cannot fit is refused up front (exit 2) with the estimate and a size that fits, instead of being
 * killed by the kernel minutes later.
 *
 *   peak ≈ resident now (the JVM and ND4J) + weights (float32 compute copies, from the headers)
 *          + adapter state + activations
 *
 * Activations follow the executor (dev.spectune.plan.ExecutionPlan), in float32 elements:
 *  - sampling: a UNet evaluation holds about UNET_INFERENCE_TENSORS tensors of its widest level
 *    (batch × channels × latent pixels: skip connections plus the block being computed), plus
 *    attention, which runs in query blocks of at most 64 MiB (two alive); the VAE decoder about
 *    VAE_TENSORS of its widest full-resolution tensor. Both plans keep their buffers until the
 *    image is written.
 *  - training: backward reads every block's activations, so the step keeps about
 *    TRAIN_TENSORS_PER_BLOCK tensors per block output (Σ over ResNet and transformer blocks of
 *    channels × pixels) and ATTENTION_MAPS self-attention maps (heads × tokens²) per transformer
 *    block. With gradient checkpointing it keeps the block outputs once, recomputes one block at
 *    a time (CHECKPOINTED_BLOCK_TENSORS of the widest level, CHECKPOINTED_ATTENTION_MAPS maps).
 *  - a fixed part that grows with the graph (its Java objects, the optimizer's per-step arrays).
 * The constants are fitted to measured peaks (bin/spectune bench memory prints estimate beside
 * measurement): pipeline_tiny sampled at 64–512 px and trained at 64–128 px with and without
 * checkpointing, an SD-1.5-config UNet trained (LoRA) at 64, 256 and 512 px. They hold within ±25%
 * there; the estimate is an estimate, and the refusal allows for it (a run is refused only when
 * the estimate exceeds what the machine can give).
 */
package dev.spectune.model;

import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import java.util.List;

public record MemoryEstimate(String what, long resident, long weights, long adapterState, long activations) {

    static final double UNET_INFERENCE_TENSORS = 50;
    static final double VAE_TENSORS = 6;
    static final double TRAIN_TENSORS_PER_BLOCK = 66;
    static final double ATTENTION_MAPS = 2.0;
    static final double CHECKPOINTED_BLOCK_TENSORS = 80;
    static final double CHECKPOINTED_ATTENTION_MAPS = 3.45;
    static final long FIXED_BYTES = 360L << 20;
    static final double FIXED_PER_WEIGHT_BYTE = 0.125;
    static final double INFERENCE_PER_WEIGHT_BYTE = 0.07;
    static final long ATTENTION_BLOCK_BYTES = 64L << 20;           // AttentionFusion.BLOCK_BYTES
    static final int TEXT_TOKENS = 77;

    public long total() {
        return resident + weights + adapterState + activations;
    }

    /** What the run would hold at its peak, in words: "about 6.4 GiB (…)". */
    public String describe() {
        return String.format("about %s (runtime %s, weights %s%s, activations %s)", gib(total()), gib(resident), gib(weights),
                adapterState > 0 ? ", adapter state " + gib(adapterState) : "", gib(activations));
    }

    /**
     * Text-to-image sampling of {@code images} images at height × width (classifier-free guidance doubles the UNet's batch).
     *
     * @param resident    bytes the process holds now (ProcessMemory.resident): the JVM, ND4J, what is read so far
     * @param weightBytes float32 bytes of the weights still to be read
     */
    public static MemoryEstimate sampling(long resident, UNetConfig unet, VaeConfig vae, long weightBytes, int height, int width, int images, boolean guidance) {
        int f = AutoencoderKL.factor(vae);
        long b = (long) images * (guidance ? 2 : 1);
        long unetBytes = attention(selfAttentionMaps(unet, height / f, width / f, b).max, true)
                + (long) (UNET_INFERENCE_TENSORS * 4.0 * b * widestLevel(unet, height / f, width / f));
        long activations = unetBytes + decoderBytes(vae, height, width, images) + (long) (INFERENCE_PER_WEIGHT_BYTE * weightBytes);
        return new MemoryEstimate("sampling at " + width + "x" + height, resident, weightBytes, 0, activations);
    }

    /**
     * A training step at resolution × resolution with {@code batch} images (and the validation
     * images and latent encoding around it).
     *
     * @param resident          bytes the process holds now
     * @param unetBytes         float32 bytes of the UNet's weights (the graph-sized fixed part grows with them)
     * @param adapterStateBytes what the adapter keeps beyond its parameters (decompositions, formed weights)
     */
    public static MemoryEstimate training(long resident, UNetConfig unet, VaeConfig vae, long weightBytes, long unetBytes, long adapterStateBytes,
                                          int resolution, int batch, boolean checkpointing) {
        int f = AutoencoderKL.factor(vae);
        int lh = resolution / f;
        Attention maps = selfAttentionMaps(unet, lh, lh, batch);
        double blocks = 4.0 * batch * blockOutputs(unet, lh, lh);
        double step = checkpointing
                ? blocks + CHECKPOINTED_BLOCK_TENSORS * 4.0 * batch * widestLevel(unet, lh, lh) + CHECKPOINTED_ATTENTION_MAPS * maps.max
                : TRAIN_TENSORS_PER_BLOCK * blocks + ATTENTION_MAPS * maps.sum;
        long fixed = FIXED_BYTES + (long) (FIXED_PER_WEIGHT_BYTE * unetBytes);
        long validation = sampling(resident, unet, vae, weightBytes, resolution, resolution, 1, true).activations;
        long encoding = decoderBytes(vae, resolution, resolution, 1);                   // the encoder mirrors the decoder's sizes
        long activations = Math.max(fixed + (long) step, Math.max(validation, encoding));
        String what = "training at " + resolution + "x" + resolution + (batch > 1 ? ", batch " + batch : "") + (checkpointing ? " with gradient checkpointing" : "");
        return new MemoryEstimate(what, resident, weightBytes, adapterStateBytes, activations);
    }

    /** Thrown when a run's estimate exceeds what the process can hold: the run as asked does not fit (exit 2, like an option). */
    public static final class NotEnoughMemory extends IllegalArgumentException {
        NotEnoughMemory(String message) {
            super(message);
        }
    }

    /**
     * Refuses the run when its estimate exceeds {@code limit}, naming the estimate and, from
     * {@code atSize} (an estimate per image side, same aspect), the largest size in steps of
     * {@code step} pixels that fits.
     *
     * @param option the option that sets the size, for the message ("--height/--width", "--resolution")
     */
    public void check(long limit, java.util.function.IntFunction<MemoryEstimate> atScale, int side, int step, String option, String hint) {
        if (total() <= limit) return;
        String fits = "no size of " + step + " px or more fits";
        for (int s = (side / step) * step; s >= step; s -= step) {
            if (s >= side) continue;
            MemoryEstimate smaller = atScale.apply(s);
            if (smaller.total() <= limit) {
                fits = smaller.what + " fits, needing " + smaller.describe();
                break;
            }
        }
        throw new NotEnoughMemory("not enough memory for " + what + ": it needs " + describe() + ", and this process can have "
                + gib(limit) + " (free memory, capped by -Dorg.bytedeco.javacpp.maxphysicalbytes); " + fits + "; set " + option + " lower"
                + (hint.isEmpty() ? "" : ", or " + hint));
    }

    // ---------------------------------------------------------------- the UNet's sizes, from its config

    record Attention(double sum, double max) {}

    /** Float32 bytes of the self-attention maps of every transformer block (sum) and of the largest one. */
    static Attention selfAttentionMaps(UNetConfig u, int lh, int lw, long batch) {
        int n = u.blockOutChannels().size();
        double sum = 0, max = 0;
        for (int i = 0; i < n; i++) {
            double tokens = pixels(lh, lw, i);
            double map = 4.0 * batch * u.attentionHeads().get(i) * tokens * tokens;
            int blocks = 0;
            if (u.downBlockTypes().get(i).startsWith("CrossAttn")) blocks += u.layersPerBlock();
            if (u.upBlockTypes().get(n - 1 - i).startsWith("CrossAttn")) blocks += u.layersPerBlock() + 1;
            if (i == n - 1) blocks += 1;                                                    // UNetMidBlock2DCrossAttn
            blocks *= u.transformerLayersPerBlock();
            sum += blocks * map;
            if (blocks > 0) max = Math.max(max, map);
        }
        return new Attention(sum, max);
    }

    /** Elements of every ResNet and transformer block's output (and each resampler's), batch 1. */
    static double blockOutputs(UNetConfig u, int lh, int lw) {
        List<Integer> c = u.blockOutChannels();
        int n = c.size(), t = u.transformerLayersPerBlock();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double px = pixels(lh, lw, i);
            boolean cross = u.downBlockTypes().get(i).startsWith("CrossAttn");
            sum += u.layersPerBlock() * (cross ? 1 + t : 1) * c.get(i) * px;
            if (i < n - 1) sum += c.get(i) * pixels(lh, lw, i + 1);                         // downsampler
        }
        sum += (2 + t) * c.get(n - 1) * pixels(lh, lw, n - 1);                              // mid block: two ResNets, a transformer
        for (int j = 0; j < n; j++) {
            int level = n - 1 - j;
            double px = pixels(lh, lw, level);
            boolean cross = u.upBlockTypes().get(j).startsWith("CrossAttn");
            sum += (u.layersPerBlock() + 1) * (cross ? 1 + t : 1) * c.get(level) * px;
            if (level > 0) sum += c.get(level) * pixels(lh, lw, level - 1);                 // upsampler
        }
        return sum;
    }

    /** Elements of the widest level's feature map (channels × pixels), batch 1. */
    static double widestLevel(UNetConfig u, int lh, int lw) {
        double max = 0;
        for (int i = 0; i < u.blockOutChannels().size(); i++) max = Math.max(max, u.blockOutChannels().get(i) * pixels(lh, lw, i));
        return max;
    }

    /** Bytes the VAE decoder's plan holds at height × width: its widest tensor's worth, and its mid-block attention (one head). */
    static long decoderBytes(VaeConfig v, int height, int width, int images) {
        List<Integer> c = v.blockOutChannels();
        int f = AutoencoderKL.factor(v);
        double widest = 0;
        for (int l = 0; l < c.size(); l++) {
            int above = Math.min(l + 1, c.size() - 1);                                     // an up block's upsampler keeps its input's channels
            widest = Math.max(widest, Math.max(c.get(l), c.get(above)) * pixels(height, width, l));
        }
        double tokens = (double) (height / f) * (width / f);
        return attention(4.0 * images * tokens * tokens, true) + (long) (VAE_TENSORS * 4.0 * images * widest);
    }

    /** A fused attention holds two blocks of scores of at most 64 MiB each; a small map is held whole (scores and softmax). */
    private static long attention(double mapBytes, boolean fused) {
        return (long) (2 * (fused ? Math.min(mapBytes, ATTENTION_BLOCK_BYTES) : mapBytes));
    }

    private static double pixels(int h, int w, int level) {
        long s = 1L << level;
        return (double) ((h + s - 1) / s) * ((w + s - 1) / s);
    }

    public static String gib(long bytes) {
        return String.format("%.2f GiB", bytes / 1073741824.0);
    }
}
