/*
 * TrainStepParity: one DreamBooth training step against diffusers/transformers autograd
 * (shared/golden/train_step_tiny): latents = VAE mean·scaling_factor of a real photo, then the
 * trainer's own step — TrainingStep.forwardBackward, the pass DreamBoothTrainer runs every step —
 * with every UNet and text-encoder weight trainable (full fine-tuning, as the reference ran it):
 * z_t = add_noise(latents, noise, t), h = CLIP(ids), ε̂ = UNet(z_t, t, h), loss = mse(ε̂, noise),
 * and the gradient of the loss for EVERY parameter, the text encoder's through the chain rule.
 * The timestep, ids, noise and photo are the file's; the three model folders are the ones its
 * metadata note names ("weights: unet_tiny/, text_encoder_tiny/, vae_tiny/"), beside it.
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.ops.Conv2d;
import dev.spectune.runtime.Tolerances;
import dev.spectune.training.TrainableTextEncoder;
import dev.spectune.training.TrainingStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class TrainStepParity {
    private TrainStepParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("train-step");
        try (GoldenFile golden = r.openIo(folder)) {
            String note = golden.metadata("note");
            Path unetDir = component(folder, note, "unet"), textDir = component(folder, note, "text_encoder"), vaeDir = component(folder, note, "vae");
            try (WeightSource unetW = Checkpoint.openComponentFolder(unetDir);
                 WeightSource textW = Checkpoint.openComponentFolder(textDir);
                 WeightSource vaeW = Checkpoint.openComponentFolder(vaeDir)) {
                // Latents from the photo through our VAE encoder (its mean), as the trainer caches them.
                VaeConfig vaeConfig = VaeConfig.fromJson(vaeDir.resolve("config.json"));
                INDArray image = golden.get("image", DataType.FLOAT);
                int f = AutoencoderKL.factor(vaeConfig);
                ModelGraph enc = AutoencoderKL.encoder(vaeConfig, vaeW, DataType.FLOAT, (int) image.size(0), (int) image.size(2), (int) image.size(3));
                INDArray latents = enc.run(Map.of("image", image, "eps", Nd4j.zeros(DataType.FLOAT, image.size(0), vaeConfig.latentChannels(),
                        image.size(2) / f, image.size(3) / f)), "mean_scaled").get("mean_scaled");
                r.compare("latents (VAE mean · " + vaeConfig.scalingFactor() + ")", latents, golden.get("latents", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);

                // The text encoder and the UNet with every weight trainable.
                TextEncoderConfig textConfig = TextEncoderConfig.fromJson(textDir.resolve("config.json"));
                INDArray ids = golden.get("input_ids", DataType.LONG);
                ModelGraph textGraph = ClipTextModel.build(textConfig, textW, DataType.FLOAT, (int) ids.rows(), (int) ids.columns(), true);
                List<String> textParams = trainable(textGraph.sd());
                TrainableTextEncoder text = new TrainableTextEncoder(textConfig, textGraph, List.of(), textParams, (int) ids.rows(), (int) ids.columns());
                INDArray noise = golden.get("noise", DataType.FLOAT);
                int batch = (int) noise.size(0);
                UNetConfig unetConfig = UNetConfig.fromJson(unetDir.resolve("config.json"));
                ModelGraph unet = UNet2DConditionModel.build(unetConfig, unetW, DataType.FLOAT, batch, (int) noise.size(2), (int) noise.size(3), (int) ids.columns(), true);
                List<String> unetParams = trainable(unet.sd());

                // The step, on the file's latents, noise and timestep.
                INDArray timesteps = golden.get("timesteps", DataType.LONG);
                int[] t = new int[batch];
                for (int i = 0; i < batch; i++) t[i] = (int) timesteps.getLong(timesteps.length() == 1 ? 0 : i);
                TrainingStep step = new TrainingStep(unet, new DdpmScheduler(SchedulerConfig.STABLE_DIFFUSION_TRAINING), false, text, unetParams, 0, false);
                TrainingStep.Result result = step.forwardBackward(new TrainingStep.Batch(golden.get("latents", DataType.FLOAT), noise, t, null, ids,
                        Nd4j.ones(DataType.FLOAT, batch, 1, 1, 1)), false, 0);
                r.compare("noisy_latents", result.noisy(), golden.get("noisy_latents", DataType.FLOAT), Tolerances.OP_FORWARD_F64_REL * 10);
                r.compare("encoder_hidden_states", result.hidden(), golden.get("encoder_hidden_states", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                r.compare("model_pred", result.prediction(), golden.get("model_pred", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                r.compare("loss", Nd4j.createFromArray(result.loss()), golden.get("loss", DataType.DOUBLE).reshape(1), Tolerances.GRADIENT_AND_PIPELINE_REL);
                double unetFloor = NOISE_FLOOR * largest(golden, "grad.unet.");
                for (String p : unetParams) {
                    INDArray g = result.gradients().get(p);
                    if (g.rank() == 4) g = Conv2d.yxioToOihw(g);
                    r.compareWithFloor("grad.unet." + p, g, golden.get("grad.unet." + p, DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL, unetFloor);
                }
                double textFloor = NOISE_FLOOR * largest(golden, "grad.text_encoder.");
                for (String p : textParams) {
                    r.compareWithFloor("grad.text_encoder." + p, result.gradients().get(p), golden.get("grad.text_encoder." + p, DataType.FLOAT),
                            Tolerances.GRADIENT_AND_PIPELINE_REL, textFloor);
                }
            }
        }
        return r;
    }

    /** The model folder beside {@code folder} that the metadata note names for a component ("unet_tiny/"), else <component>_tiny. */
    static Path component(Path folder, String note, String component) {
        if (note != null) {
            Matcher m = Pattern.compile("\\b(" + component + "[A-Za-z0-9_.-]*)/").matcher(note);
            if (m.find()) return folder.resolveSibling(m.group(1));
        }
        Path fallback = folder.resolveSibling(component + "_tiny");
        if (!java.nio.file.Files.isDirectory(fallback)) throw new CheckpointException(folder + ": its metadata note names no " + component + " folder, and " + fallback + " does not exist");
        return fallback;
    }

    /** Attention key biases' gradients are 0 in exact arithmetic (softmax ignores a shift common to all keys). */
    static final double NOISE_FLOOR = Tolerances.GRADIENT_NOISE_FLOOR;

    /** The largest |value| over the tensors whose names start with {@code prefix}, without marking them. */
    private static double largest(GoldenFile golden, String prefix) {
        double m = 0;
        for (String n : golden.names()) if (n.startsWith(prefix)) m = Math.max(m, golden.peek(n, DataType.FLOAT).amaxNumber().doubleValue());
        return m;
    }

    /** The names of the graph's trainable weights. */
    static List<String> trainable(SameDiff sd) {
        List<String> names = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && (v.name().endsWith(".weight") || v.name().endsWith(".bias"))) names.add(v.name());
        }
        return names;
    }
}
