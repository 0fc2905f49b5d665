/*
 * TaesdParity: the TAESD-family tiny autoencoder against a golden folder holding the real
 * pretrained weights (e.g. TAEF2, fp16) and io.safetensors (image_0_1, latents, decoded,
 * decoded_clamped, encoder/decoder activations, and the reference's PSNR in its metadata). The
 * decode of the stored latents must reach the reference's PSNR against the photo within 0.1 dB.
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.SafetensorsWeights;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.TinyAutoencoder;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class TaesdParity {
    private TaesdParity() {}

    public static final double PSNR_TOLERANCE_DB = 0.1;

    public static ParityReport run(Path folder) {
        Path weightsFile = weightsFile(folder);
        ParityReport report = new ParityReport("taesd");
        try (GoldenFile golden = report.openIo(folder);
             WeightSource weights = SafetensorsWeights.open(weightsFile.toString(), List.of(weightsFile), false)) {
            INDArray image = golden.get("image_0_1", DataType.FLOAT);
            INDArray latents = golden.get("latents", DataType.FLOAT);
            ModelGraph enc = TinyAutoencoder.encoder(weights, DataType.FLOAT, (int) image.size(0), (int) image.size(2), (int) image.size(3));
            List<String> encTaps = new ArrayList<>(List.of("latents"));
            for (String n : golden.names()) if (n.startsWith("act.encoder.") && enc.hasTap(n.substring(4))) encTaps.add(n.substring(4));
            Map<String, INDArray> e = enc.run(Map.of("image", image), encTaps.toArray(String[]::new));
            report.compare("latents (encode image_0_1)", e.get("latents"), latents, Tolerances.MODEL_OUTPUT_F32_REL);
            for (String t : encTaps) if (!t.equals("latents")) report.compare("act." + t, e.get(t), golden.get("act." + t, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);

            ModelGraph dec = TinyAutoencoder.decoder(weights, DataType.FLOAT, (int) latents.size(0), (int) latents.size(2), (int) latents.size(3));
            List<String> decTaps = new ArrayList<>(List.of("decoded", "decoded_clamped"));
            for (String n : golden.names()) if (n.startsWith("act.decoder.") && dec.hasTap(n.substring(4))) decTaps.add(n.substring(4));
            Map<String, INDArray> d = dec.run(Map.of("latents", latents), decTaps.toArray(String[]::new));
            report.compare("decoded (decode stored latents)", d.get("decoded"), golden.get("decoded", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            report.compare("decoded_clamped", d.get("decoded_clamped"), golden.get("decoded_clamped", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            for (String t : decTaps) if (t.startsWith("decoder.")) report.compare("act." + t, d.get(t), golden.get("act." + t, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);

            double psnr = psnr(d.get("decoded_clamped"), image);
            String ref = golden.metadata("psnr_db");
            if (ref != null) {
                double reference = Double.parseDouble(ref);
                report.check("psnr_db vs photo (ours " + String.format("%.3f", psnr) + ", reference " + String.format("%.3f", reference) + ")",
                        psnr - reference, PSNR_TOLERANCE_DB, "psnr difference in dB");
            }
            return report;
        }
    }

    /** 10·log10(1 / MSE) for images in [0, 1]. */
    public static double psnr(INDArray a, INDArray b) {
        INDArray diff = a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE));
        double mse = diff.mul(diff).meanNumber().doubleValue();
        return 10 * Math.log10(1.0 / mse);
    }

    private static Path weightsFile(Path folder) {
        try (var files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".safetensors") && !p.getFileName().toString().equals("io.safetensors"))
                    .findFirst().orElseThrow(() -> new CheckpointException(folder + ": no TAESD weights (*.safetensors besides io.safetensors)"));
        } catch (IOException e) {
            throw new CheckpointException(folder + ": cannot list: " + e.getMessage());
        }
    }
}
