/*
 * VaeParity: AutoencoderKL against a golden folder (image, posterior mean/logvar/std, eps, z,
 * z_scaled, decode(z), decode(mean), activations, and the float64 re-run).
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ModelGraph;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class VaeParity {
    private VaeParity() {}

    /** Why the float64 lines are informational: see AutoencoderKL's header. */
    static final String F64_REASON = "reference's f64 run has a float32 softmax (upcast_softmax)";

    public static ParityReport run(Path folder) {
        VaeConfig config = VaeConfig.fromJson(folder.resolve("config.json"));
        ParityReport report = new ParityReport("vae");
        try (GoldenFile golden = report.openIo(folder); WeightSource weights = Checkpoint.openComponentFolder(folder)) {
            INDArray image = golden.get("image", DataType.FLOAT);
            INDArray eps = golden.get("eps", DataType.FLOAT);
            int b = (int) image.size(0), h = (int) image.size(2), w = (int) image.size(3), f = AutoencoderKL.factor(config);
            ModelGraph enc = AutoencoderKL.encoder(config, weights, DataType.FLOAT, b, h, w);
            String[][] encoderOutputs = {{"posterior_mean", "posterior_mean"}, {"posterior_logvar", "posterior_logvar"},
                    {"posterior_std", "posterior_std"}, {"z", "z"}, {"z_scaled", "z_scaled"}};
            List<String> taps = new ArrayList<>();
            for (String[] o : encoderOutputs) if (golden.has(o[1])) taps.add(o[0]);
            for (String name : golden.names()) {
                if (name.startsWith("act.") && enc.hasTap(name.substring(4))) taps.add(name.substring(4));
            }
            Map<String, INDArray> out = enc.run(Map.of("image", image, "eps", eps), taps.toArray(String[]::new));
            for (String tap : taps) {
                String goldenName = golden.has(tap) ? tap : "act." + tap;
                report.compare(goldenName, out.get(tap), golden.get(goldenName, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }

            ModelGraph dec = AutoencoderKL.decoder(config, weights, DataType.FLOAT, b, h / f, w / f);
            List<String> decTaps = new ArrayList<>(List.of("decoded"));
            for (String name : golden.names()) {
                if (name.startsWith("act.") && dec.hasTap(name.substring(4))) decTaps.add(name.substring(4));
            }
            if (golden.has("decoded_from_z")) {
                Map<String, INDArray> d = dec.run(Map.of("latents", golden.get("z", DataType.FLOAT)), decTaps.toArray(String[]::new));
                report.compare("decoded_from_z", d.get("decoded"), golden.get("decoded_from_z", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
            Map<String, INDArray> fromMean = dec.run(Map.of("latents", golden.get("posterior_mean", DataType.FLOAT)), decTaps.toArray(String[]::new));
            if (golden.has("decoded_from_mean")) {
                report.compare("decoded_from_mean", fromMean.get("decoded"), golden.get("decoded_from_mean", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
            for (String tap : decTaps) {
                if (!tap.equals("decoded")) report.compare("act." + tap, fromMean.get(tap), golden.get("act." + tap, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
            for (String name : golden.names()) {
                if (name.startsWith("act.") && !enc.hasTap(name.substring(4)) && !dec.hasTap(name.substring(4))) {
                    golden.use(name);
                    report.check(name, Double.NaN, 0, "no such activation in the graph");
                }
            }

            if (golden.has("posterior_mean_f64") || golden.has("decoded_from_mean_f64")) {
                ModelGraph enc64 = AutoencoderKL.encoder(config, weights, DataType.DOUBLE, b, h, w);
                INDArray mean64 = enc64.run(Map.of("image", golden.get("image", DataType.DOUBLE), "eps", golden.get("eps", DataType.DOUBLE)), "posterior_mean").get("posterior_mean");
                if (golden.has("posterior_mean_f64")) {
                    report.inform("posterior_mean_f64 (float64 run)", mean64, golden.get("posterior_mean_f64", DataType.DOUBLE), Tolerances.MODEL_OUTPUT_F64_REL, F64_REASON);
                }
                if (golden.has("decoded_from_mean_f64")) {
                    ModelGraph dec64 = AutoencoderKL.decoder(config, weights, DataType.DOUBLE, b, h / f, w / f);
                    INDArray d64 = dec64.run(Map.of("latents", golden.get("posterior_mean_f64", DataType.DOUBLE)), "decoded").get("decoded");
                    report.inform("decoded_from_mean_f64 (float64 run)", d64, golden.get("decoded_from_mean_f64", DataType.DOUBLE), Tolerances.MODEL_OUTPUT_F64_REL, F64_REASON);
                }
            }
            return report;
        }
    }
}
