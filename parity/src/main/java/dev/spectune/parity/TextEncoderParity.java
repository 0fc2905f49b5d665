/*
 * TextEncoderParity: CLIPTextModel against a golden folder (config.json, model.safetensors,
 * io.safetensors with input_ids, last_hidden_state, pooler_output, hidden_states.i, clip_skip2
 * and the float64 re-run): float32 within 1e-4 of each tensor's max-abs, float64 within 1e-8.
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class TextEncoderParity {
    private TextEncoderParity() {}

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("text-encoder");
        TextEncoderConfig config = TextEncoderConfig.fromJson(folder.resolve("config.json"));
        try (GoldenFile golden = report.openIo(folder); WeightSource weights = Checkpoint.openComponentFolder(folder)) {
            INDArray ids = golden.get("input_ids", DataType.INT64);
            int batch = (int) ids.rows(), length = (int) ids.columns();
            Map<String, INDArray> feed = Map.of("input_ids", ids, "pool_index", ClipTextModel.poolIndex(config, ids));

            ModelGraph f32 = ClipTextModel.build(config, weights, DataType.FLOAT, batch, length);
            List<String> wanted = new ArrayList<>(List.of("last_hidden_state", "pooler_output"));
            for (int i = 0; i <= config.numHiddenLayers(); i++) if (golden.has("hidden_states." + i)) wanted.add("hidden_states." + i);
            if (golden.has("clip_skip2")) wanted.add("clip_skip.2");
            Map<String, INDArray> out = f32.run(feed, wanted.toArray(String[]::new));
            for (String name : wanted) {
                String goldenName = name.equals("clip_skip.2") ? "clip_skip2" : name;
                report.compare(goldenName, out.get(name), golden.get(goldenName, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }

            ModelGraph f64 = ClipTextModel.build(config, weights, DataType.DOUBLE, batch, length);
            Map<String, INDArray> out64 = f64.run(feed, "last_hidden_state", "pooler_output");
            for (String name : List.of("last_hidden_state", "pooler_output")) {
                if (golden.has(name + "_f64")) {
                    report.compare(name + "_f64 (float64 run)", out64.get(name), golden.get(name + "_f64", DataType.DOUBLE), Tolerances.MODEL_OUTPUT_F64_REL);
                }
            }
        }
        return report;
    }
}
