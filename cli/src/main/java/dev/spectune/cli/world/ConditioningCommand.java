/*
 * ConditioningCommand: `spectune world conditioning` — does a world model use its prompts? A
 * pretraining diagnostic: a batch of world scenes (WorldData, the training stream's draw) through
 * the model's VAE encoder, noised at fixed timesteps, and the UNet's prediction scored three ways —
 * with each scene's own caption, with another scene's (the batch's captions rolled by one) and with
 * "" — as the error of the image it implies (x̂₀, from ε̂ or v̂ by the scheduler config's
 * prediction type: DdpmScheduler.predictedOriginal, diffusers' "pred_original_sample"). A model that reads its
 * prompts knows the image better with its own caption at high noise, where the noisy latent no
 * longer shows it; one that ignores them scores the three alike.
 */
package dev.spectune.cli.world;

import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.cli.EmbeddedModel;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.pretrain.WorldData;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.training.DreamBoothTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "conditioning", mixinStandardHelpOptions = true,
        description = "Does the model use its prompts? The error of the image it implies from noised world scenes, with their own captions, with another scene's and with none, per timestep.")
public final class ConditioningCommand implements Callable<Integer> {

    @Option(names = "--model", description = "A diffusers pipeline folder (default: the embedded world model, " + EmbeddedModel.WORLD + ").") Path model;
    @Option(names = "--batch", defaultValue = "16", description = "Scenes (default ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--timesteps", split = ",", defaultValue = "999,900,800,700,500,300", description = "Timesteps (default ${DEFAULT-VALUE}).") List<Integer> timesteps;
    @Option(names = "--repeats", defaultValue = "2", description = "Noise draws per timestep (default ${DEFAULT-VALUE}).") int repeats;
    @Option(names = "--seed", defaultValue = "0") long seed;

    /** The x̂₀ RMSE at one timestep with the scenes' own captions, with rolled captions and with "". */
    public record Row(int timestep, double own, double rolled, double empty) {}

    @Override
    public Integer call() {
        if (batch < 2) throw new IllegalArgumentException("--batch must be >= 2 (captions are rolled within the batch), got " + batch);
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
        Path dir = model != null ? model : EmbeddedModel.world();
        Nd4jRuntime.init();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(dir, null)) {
            int trainSteps = pipe.schedulerConfig().numTrainTimesteps();
            for (int t : timesteps) {
                if (t < 0 || t >= trainSteps) throw new IllegalArgumentException("--timesteps: " + t + " is outside 0.." + (trainSteps - 1));
            }
            int side = pipe.defaultImageSide(64);
            System.out.printf("%s (%s): x̂₀ RMSE over %d scenes × %d noise draws, latents at the model's scale%n", dir, pipe.schedulerConfig().predictionType(), batch, repeats);
            System.out.printf("%6s %10s %10s %10s %10s%n", "t", "own", "rolled", "empty", "gain");
            for (Row r : measure(pipe, side)) {
                System.out.printf("%6d %10.4f %10.4f %10.4f %9.1f%%%n", r.timestep(), r.own(), r.rolled(), r.empty(), 100 * (r.rolled() / r.own() - 1));
            }
            System.out.println("gain: how much worse another scene's caption makes the implied image (0%: the prompt is not used)");
        }
        return 0;
    }

    List<Row> measure(StableDiffusionPipeline pipe, int side) {
        WorldData.Batch data = WorldData.draw(new Random(seed), batch, side, 0.0);
        var vae = pipe.vaeConfig();
        int latent = side / AutoencoderKL.factor(vae);
        ModelGraph encoder = AutoencoderKL.encoder(vae, pipe.component("vae"), DataType.FLOAT, batch, side, side);
        INDArray z0 = encoder.run(Map.of("image", data.images(), "eps", Nd4j.zeros(DataType.FLOAT, batch, vae.latentChannels(), latent, latent)),
                "mean_scaled").get("mean_scaled");                                                 // [B, L, h, w]
        ModelGraph unet = UNet2DConditionModel.build(pipe.unetConfig(), pipe.component("unet"), DataType.FLOAT, batch, latent, latent,
                ClipTokenizer.MODEL_MAX_LENGTH);
        List<String> own = data.captions(), rolled = new ArrayList<>(own);
        Collections.rotate(rolled, 1);
        INDArray[] contexts = {context(pipe, own), context(pipe, rolled), context(pipe, Collections.nCopies(batch, ""))};   // each [B, 77, D]
        DdpmScheduler noise = new DdpmScheduler(pipe.schedulerConfig());
        Random random = new Random(seed + 1);
        List<Row> rows = new ArrayList<>();
        for (int t : timesteps) {
            int[] perScene = new int[batch];
            Arrays.fill(perScene, t);
            double[] sq = new double[3];
            for (int k = 0; k < repeats; k++) {
                INDArray eps = DreamBoothTrainer.gaussian(random, z0.shape());                      // [B, L, h, w]
                INDArray xt = noise.addNoise(z0, eps, perScene);                                    // [B, L, h, w], as training noises
                INDArray time = Nd4j.valueArrayOf(new long[] {batch}, t, DataType.FLOAT);
                for (int c = 0; c < 3; c++) {
                    INDArray out = unet.run(Map.of("sample", xt, "timestep", time, "encoder_hidden_states", contexts[c]), "out").get("out");
                    INDArray x0 = noise.predictedOriginal(out, t, xt);                                 // [B, L, h, w]
                    double d = x0.subi(z0).norm2Number().doubleValue();
                    sq[c] += d * d / z0.length() / repeats;
                }
            }
            rows.add(new Row(t, Math.sqrt(sq[0]), Math.sqrt(sq[1]), Math.sqrt(sq[2])));
        }
        encoder.releaseBuffers();
        unet.releaseBuffers();
        return rows;
    }

    /** The text encoder's outputs for each caption, stacked: [B, 77, D]. */
    private static INDArray context(StableDiffusionPipeline pipe, List<String> captions) {
        INDArray[] parts = new INDArray[captions.size()];
        for (int i = 0; i < parts.length; i++) parts[i] = pipe.encode(captions.get(i), 1).embeds().dup();
        return Nd4j.concat(0, parts);
    }
}
