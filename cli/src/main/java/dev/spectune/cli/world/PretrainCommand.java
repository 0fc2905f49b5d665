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
    private static final Pretraining.Settings DEFAULTS = Pretraining.Settings.defaults(WorldModelSpec.DEFAULT);
    private static final Pretraining.Settings.Autoencoder AUTOENCODER = DEFAULTS.autoencoder();
    private static final Pretraining.Settings.Diffusion DIFFUSION = DEFAULTS.diffusion();
    private static final Pretraining.Settings.Output OUTPUT = DEFAULTS.output();

    @Option(names = "--out", required = true, description = "The run folder.") Path out;
    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out (same settings; --diffusion-steps may be raised).") boolean resume;
    @Option(names = "--seed", description = "Initial weights and every step's draws (default ${DEFAULT-VALUE}).") long seed = DEFAULTS.seed();
    @Option(names = "--warmup", description = "Linear warm-up steps of both stages (default ${DEFAULT-VALUE}).") int warmup = DEFAULTS.warmupSteps();
    @Option(names = "--vae-steps", description = "Autoencoder steps (default ${DEFAULT-VALUE}).") int vaeSteps = AUTOENCODER.steps();
    @Option(names = "--vae-batch", description = "Autoencoder batch (default ${DEFAULT-VALUE}).") int vaeBatch = AUTOENCODER.batch();
    @Option(names = "--vae-lr", description = "Autoencoder learning rate (default ${DEFAULT-VALUE}).") double vaeLr = AUTOENCODER.lr();
    @Option(names = "--kl-weight", description = "The autoencoder's KL weight (default ${DEFAULT-VALUE}).") double klWeight = AUTOENCODER.klWeight();
    @Option(names = "--diffusion-steps", description = "UNet + text encoder steps; may be raised on --resume (default ${DEFAULT-VALUE}).") int diffusionSteps = DIFFUSION.steps();
    @Option(names = "--batch", description = "Diffusion batch (default ${DEFAULT-VALUE}).") int batch = DIFFUSION.batch();
    @Option(names = "--lr", description = "Diffusion learning rate (default ${DEFAULT-VALUE}).") double lr = DIFFUSION.lr();
    @Option(names = "--caption-dropout", description = "Share of empty captions, for classifier-free guidance (default ${DEFAULT-VALUE}).") double captionDropout = DIFFUSION.captionDropout();
    @Option(names = "--snr-gamma", description = "Min-SNR-γ loss weighting (0: off; default ${DEFAULT-VALUE}).") double snrGamma = DIFFUSION.snrGamma();
    @Option(names = "--prediction",
            description = "What the UNet predicts: epsilon (the noise) or v_prediction (the velocity; with --snr-gamma 0 its loss weighs the image error at high noise, where the prompt decides the layout) (default ${DEFAULT-VALUE}).") String prediction = DIFFUSION.prediction();
    @Option(names = "--autoencoder-from", description = "A new run takes the finished autoencoder of this pretraining run folder or checkpoint (same autoencoder settings) instead of training the same one again.") Path autoencoderFrom;
    @Option(names = "--ema", description = "Moving-average decay of the shipped weights (default ${DEFAULT-VALUE}).") double ema = DIFFUSION.emaDecay();
    @Option(names = "--checkpoint-every", description = "Steps between checkpoints (default ${DEFAULT-VALUE}).") int checkpointEvery = OUTPUT.checkpointEvery();
    @Option(names = "--keep-checkpoints", description = "Checkpoints kept (default ${DEFAULT-VALUE}).") int keepCheckpoints = OUTPUT.keepCheckpoints();
    @Option(names = "--weights", description = "Stored type of the model folder's weights: F16 or F32 (default ${DEFAULT-VALUE}).") DType weights = OUTPUT.weightType();
    @Option(names = "--size", defaultValue = "default", description = "Architecture: default (the shipped model) or test (a miniature for checks).") String size;

    @Override
    public Integer call() throws Exception {
        Nd4jRuntime.init();
        WorldModelSpec spec = switch (size) {
            case "default" -> WorldModelSpec.DEFAULT;
            case "test" -> WorldModelSpec.TEST;
            default -> throw new IllegalArgumentException("--size: expected default or test, got " + size);
        };
        Pretraining.Settings settings = new Pretraining.Settings(spec, seed, warmup, new Pretraining.Settings.Autoencoder(vaeSteps, vaeBatch, vaeLr, klWeight),
                new Pretraining.Settings.Diffusion(diffusionSteps, batch, lr, captionDropout, snrGamma, prediction, ema),
                new Pretraining.Settings.Output(checkpointEvery, keepCheckpoints, weights));
        Pretraining.Outcome o = new Pretraining(settings, out, System.out).run(resume, autoencoderFrom);
        System.out.printf("pretrain: %d of %d steps in %.1f s; weights sha256 %s; model %s%n", o.completedSteps(), settings.totalSteps(), o.seconds(),
                o.weightsHash(), o.model());
        return 0;
    }
}
