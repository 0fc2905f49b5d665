/*
 * TrainStepParity: one DreamBooth training step against diffusers/transformers autograd
 * (shared/golden/train_step_tiny): latents = VAE mean·0.18215 of a real photo, x_t = add_noise at
 * t = 500, ε̂ = UNet(x_t, 500, CLIP(ids)), loss = mse(ε̂, ε), and the gradient of the loss for
 * EVERY UNet and text-encoder parameter (all trainable, as in full fine-tuning).
 *
 * The two networks are separate graphs; the gradient crosses between them by the chain rule: the
 * UNet graph also differentiates the loss with respect to its encoder_hidden_states input g, and
 * the text-encoder graph then differentiates Σ h ⊙ g (h its output) — exactly dL/dθ_text.
 */
package dev.spectune.training.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.parity.GoldenFolder;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.ops.Conv2d;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class TrainStepParity {
    private TrainStepParity() {}

    /** SD's default training schedule (scaled_linear 0.00085–0.012, 1000 steps). */
    static final SchedulerConfig SD_SCHEDULE = new SchedulerConfig("DDPMScheduler", 1000, 0.00085, 0.012, "scaled_linear",
            "epsilon", false, 1, false, false, "leading");

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("train-step");
        Path root = folder.getParent();
        try (GoldenFolder golden = GoldenFolder.open(folder);
             WeightSource unetW = Checkpoint.openComponentFolder(root.resolve("unet_tiny"));
             WeightSource textW = Checkpoint.openComponentFolder(root.resolve("text_encoder_tiny"));
             WeightSource vaeW = Checkpoint.openComponentFolder(root.resolve("vae_tiny"))) {
            // Latents from the photo through our VAE encoder (its mean), then the forward process.
            VaeConfig vaeConfig = VaeConfig.fromJson(root.resolve("vae_tiny/config.json"));
            INDArray image = golden.get("image", DataType.FLOAT);
            int f = AutoencoderKL.factor(vaeConfig);
            ModelGraph enc = AutoencoderKL.encoder(vaeConfig, vaeW, DataType.FLOAT, (int) image.size(0), (int) image.size(2), (int) image.size(3));
            INDArray latents = enc.run(Map.of("image", image, "eps", Nd4j.zeros(DataType.FLOAT, image.size(0), vaeConfig.latentChannels(),
                    image.size(2) / f, image.size(3) / f)), "mean_scaled").get("mean_scaled");
            r.compare("latents (VAE mean · 0.18215)", latents, golden.get("latents", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            INDArray noise = golden.get("noise", DataType.FLOAT);
            int t = (int) golden.get("timesteps", DataType.LONG).getLong(0);
            INDArray noisy = new DdpmScheduler(SD_SCHEDULE).addNoise(golden.get("latents", DataType.FLOAT), noise, repeat(t, (int) noise.size(0)));
            r.compare("noisy_latents", noisy, golden.get("noisy_latents", DataType.FLOAT), Tolerances.OP_FORWARD_F64_REL * 10);

            // Text encoder output (the conditioning).
            TextEncoderConfig textConfig = TextEncoderConfig.fromJson(root.resolve("text_encoder_tiny/config.json"));
            INDArray ids = golden.get("input_ids", DataType.LONG);
            ModelGraph text = ClipTextModel.build(textConfig, textW, DataType.FLOAT, (int) ids.rows(), (int) ids.columns(), true);
            List<String> textParams = trainable(text.sd());
            Map<String, INDArray> textFeed = Map.of("input_ids", ids, "pool_index", ClipTextModel.poolIndex(textConfig, ids));
            INDArray ehs = text.run(textFeed, "last_hidden_state").get("last_hidden_state");
            r.compare("encoder_hidden_states", ehs, golden.get("encoder_hidden_states", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);

            // UNet forward, loss and gradients (weights and the conditioning input).
            UNetConfig unetConfig = UNetConfig.fromJson(root.resolve("unet_tiny/config.json"));
            int batch = (int) noisy.size(0);
            ModelGraph unet = UNet2DConditionModel.build(unetConfig, unetW, DataType.FLOAT, batch, (int) noisy.size(2), (int) noisy.size(3), (int) ehs.size(1), true);
            SameDiff sd = unet.sd();
            List<String> unetParams = trainable(sd);
            SDVariable context = sd.getVariable("encoder_hidden_states");
            SDVariable contextVar = sd.var("encoder_hidden_states_value", ehs.dup());
            dev.spectune.adapters.AdapterInjector.rewire(sd, context.name(), contextVar);
            SDVariable pred = unet.get("out");
            SDVariable diff = pred.sub(sd.constant("target_noise", noise));
            SDVariable loss = diff.mul(diff).mean().rename("loss");
            sd.setLossVariables(loss);
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("sample", noisy);
            feed.put("timestep", Nd4j.valueArrayOf(new long[] {batch}, t, DataType.FLOAT));
            feed.put("encoder_hidden_states", ehs);
            Map<String, INDArray> out = sd.output(feed, pred.name(), loss.name());
            r.compare("model_pred", out.get(pred.name()), golden.get("model_pred", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            r.compare("loss", out.get(loss.name()).reshape(1), golden.get("loss", DataType.FLOAT).reshape(1), Tolerances.GRADIENT_AND_PIPELINE_REL);
            List<String> wrt = new ArrayList<>(unetParams);
            wrt.add(contextVar.name());
            Map<String, INDArray> grads = sd.calculateGradients(feed, wrt);
            double unetFloor = NOISE_FLOOR * largest(golden, "grad.unet.");
            for (String p : unetParams) {
                INDArray g = grads.get(p);
                if (g.rank() == 4) g = Conv2d.yxioToOihw(g);
                r.compareWithFloor("grad.unet." + p, g, golden.get("grad.unet." + p, DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL, unetFloor);
            }

            // Chain rule into the text encoder: d/dθ Σ h ⊙ dL/dh.
            SameDiff ts = text.sd();
            SDVariable upstream = ts.constant("upstream_grad", grads.get(contextVar.name()));
            ts.setLossVariables(text.get("last_hidden_state").mul(upstream).sum().rename("chain_loss"));
            Map<String, INDArray> textGrads = ts.calculateGradients(textFeed, textParams);
            double textFloor = NOISE_FLOOR * largest(golden, "grad.text_encoder.");
            for (String p : textParams) {
                r.compareWithFloor("grad.text_encoder." + p, textGrads.get(p), golden.get("grad.text_encoder." + p, DataType.FLOAT),
                        Tolerances.GRADIENT_AND_PIPELINE_REL, textFloor);
            }
        }
        return r;
    }

    /**
     * Gradients that are zero in exact arithmetic (attention key biases: softmax ignores a shift
     * common to all keys) hold only rounding noise on both sides; they are judged relative to this
     * fraction of the network's largest gradient instead of their own max-abs.
     */
    static final double NOISE_FLOOR = 1e-4;

    private static double largest(GoldenFolder golden, String prefix) {
        double m = 0;
        for (String n : golden.names()) if (n.startsWith(prefix)) m = Math.max(m, golden.get(n, DataType.FLOAT).amaxNumber().doubleValue());
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

    private static int[] repeat(int t, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, t);
        return a;
    }
}
