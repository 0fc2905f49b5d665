/*
 * PretrainCommand: `spectune world pretrain` — trains the world model from scratch (Pretraining:
 * the autoencoder, then the UNet and text encoder), seeded and resumable. The options are the
 * settings of Pretraining.Settings, with its named defaults.
 */
package dev.spectune.cli.world;

import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.pretrain.Pretraining;
import dev.spectune.pretrain.WorldModelSpec;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain the world model from scratch: an AutoencoderKL, then a UNet and a CLIP text encoder together, on random world scenes. "
                + "Writes OUT/model (a diffusers pipeline folder), OUT/checkpoints, OUT/log.csv, OUT/pretrain.json.")
public final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "The run folder.") Path out;
    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out (same settings; --diffusion-steps may be raised).") boolean resume;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--vae-steps", defaultValue = "" + Pretraining.Settings.DEFAULT_VAE_STEPS) int vaeSteps;
    @Option(names = "--vae-batch", defaultValue = "" + Pretraining.Settings.DEFAULT_VAE_BATCH) int vaeBatch;
    @Option(names = "--vae-lr", defaultValue = "" + Pretraining.Settings.DEFAULT_VAE_LR) double vaeLr;
    @Option(names = "--kl-weight", defaultValue = "" + Pretraining.Settings.DEFAULT_KL_WEIGHT) double klWeight;
    @Option(names = "--diffusion-steps", defaultValue = "" + Pretraining.Settings.DEFAULT_DIFFUSION_STEPS) int diffusionSteps;
    @Option(names = "--batch", defaultValue = "" + Pretraining.Settings.DEFAULT_BATCH) int batch;
    @Option(names = "--lr", defaultValue = "" + Pretraining.Settings.DEFAULT_LR) double lr;
    @Option(names = "--warmup", defaultValue = "" + Pretraining.Settings.DEFAULT_WARMUP) int warmup;
    @Option(names = "--caption-dropout", defaultValue = "" + Pretraining.Settings.DEFAULT_CAPTION_DROPOUT) double captionDropout;
    @Option(names = "--snr-gamma", defaultValue = "" + Pretraining.Settings.DEFAULT_SNR_GAMMA, description = "Min-SNR-γ loss weighting (0: off; default ${DEFAULT-VALUE}).") double snrGamma;
    @Option(names = "--prediction", defaultValue = Pretraining.Settings.EPSILON,
            description = "What the UNet predicts: epsilon (the noise) or v_prediction (the velocity; with --snr-gamma 0 its loss weighs the image error at high noise, where the prompt decides the layout) (default ${DEFAULT-VALUE}).") String prediction;
    @Option(names = "--autoencoder-from", description = "A new run takes the finished autoencoder of this pretraining run folder or checkpoint (same autoencoder settings) instead of training the same one again.") Path autoencoderFrom;
    @Option(names = "--ema", defaultValue = "" + Pretraining.Settings.DEFAULT_EMA) double ema;
    @Option(names = "--checkpoint-every", defaultValue = "250") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "2") int keepCheckpoints;
    @Option(names = "--weights", defaultValue = "F16", description = "Stored type of the model folder's weights: F16 or F32 (default ${DEFAULT-VALUE}).") DType weights;
    @Option(names = "--size", defaultValue = "default", description = "Architecture: default (the shipped model) or test (a miniature for checks).") String size;

    @Override
    public Integer call() throws Exception {
        Nd4jRuntime.init();
        WorldModelSpec spec = switch (size) {
            case "default" -> WorldModelSpec.DEFAULT;
            case "test" -> WorldModelSpec.TEST;
            default -> throw new IllegalArgumentException("--size: expected default or test, got " + size);
        };
        Pretraining.Settings settings = new Pretraining.Settings(spec, seed, vaeSteps, vaeBatch, vaeLr, klWeight, diffusionSteps, batch, lr, warmup,
                captionDropout, snrGamma, prediction, ema, checkpointEvery, keepCheckpoints, weights);
        Pretraining.Outcome o = new Pretraining(settings, out, System.out).run(resume, autoencoderFrom);
        System.out.printf("pretrain: %d of %d steps in %.1f s; weights sha256 %s; model %s%n", o.completedSteps(), settings.totalSteps(), o.seconds(),
                o.weightsHash(), o.model());
        return 0;
    }
}
