/*
 * LdmParity: a single-file (CompVis/LDM) checkpoint loaded through the name mapping, its UNet and
 * VAE configs detected from the tensor shapes (no config files), run on the golden inputs and
 * compared with io.safetensors (unet_out, vae_posterior_mean, vae_posterior_logvar,
 * vae_decoded_from_mean).
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.ModelFormat;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class LdmParity {
    private LdmParity() {}

    public static ParityReport run(Path folder) {
        Path file = singleFile(folder);
        ParityReport report = new ParityReport("ldm");
        try (GoldenFile golden = report.openIo(folder); Checkpoint checkpoint = Checkpoint.open(file)) {
            if (checkpoint.format() != ModelFormat.SINGLE_FILE) throw new CheckpointException(file + ": not a single-file checkpoint");
            WeightSource unet = checkpoint.component("unet");
            UNetConfig unetConfig = UNetConfig.detectFromWeights(unet.shapes());
            if (golden.has("unet_out")) {
                INDArray sample = golden.get("sample", DataType.FLOAT);
                INDArray context = golden.get("encoder_hidden_states", DataType.FLOAT);
                int batch = (int) sample.size(0);
                INDArray t = golden.get("timesteps", DataType.FLOAT);
                if (t.length() == 1 && batch > 1) t = Nd4j.valueArrayOf(new long[] {batch}, t.getDouble(0), DataType.FLOAT);
                ModelGraph g = UNet2DConditionModel.build(unetConfig, unet, DataType.FLOAT, batch, (int) sample.size(2), (int) sample.size(3), (int) context.size(1));
                INDArray out = g.run(Map.of("sample", sample, "timestep", t.reshape(batch), "encoder_hidden_states", context), "out").get("out");
                report.compare("unet_out", out, golden.get("unet_out", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
            if (golden.has("image")) {
                WeightSource vae = checkpoint.component("vae");
                VaeConfig vaeConfig = VaeConfig.detectFromWeights(vae.shapes());
                INDArray image = golden.get("image", DataType.FLOAT);
                int b = (int) image.size(0), h = (int) image.size(2), w = (int) image.size(3), f = AutoencoderKL.factor(vaeConfig);
                ModelGraph enc = AutoencoderKL.encoder(vaeConfig, vae, DataType.FLOAT, b, h, w);
                INDArray eps = Nd4j.zeros(DataType.FLOAT, b, vaeConfig.latentChannels(), h / f, w / f);
                Map<String, INDArray> e = enc.run(Map.of("image", image, "eps", eps), "posterior_mean", "posterior_logvar");
                report.compare("vae_posterior_mean", e.get("posterior_mean"), golden.get("vae_posterior_mean", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                report.compare("vae_posterior_logvar", e.get("posterior_logvar"), golden.get("vae_posterior_logvar", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                ModelGraph dec = AutoencoderKL.decoder(vaeConfig, vae, DataType.FLOAT, b, h / f, w / f);
                INDArray decoded = dec.run(Map.of("latents", golden.get("vae_posterior_mean", DataType.FLOAT)), "decoded").get("decoded");
                report.compare("vae_decoded_from_mean", decoded, golden.get("vae_decoded_from_mean", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
            return report;
        }
    }

    private static Path singleFile(Path folder) {
        if (Files.isRegularFile(folder)) throw new CheckpointException(folder + ": expected a golden folder (the single file, io.safetensors)");
        try (var files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".safetensors") && !p.getFileName().toString().equals("io.safetensors"))
                    .sorted().findFirst()
                    .orElseThrow(() -> new CheckpointException(folder + ": no single-file checkpoint (*.safetensors besides io.safetensors)"));
        } catch (IOException e) {
            throw new CheckpointException(folder + ": cannot list: " + e.getMessage());
        }
    }
}
