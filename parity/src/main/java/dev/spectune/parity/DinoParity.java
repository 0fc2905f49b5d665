/*
 * DinoParity: the DINO metric against a golden folder made by transformers' ViTModel and
 * ViTImageProcessor (golden/eval/dino_vit_tiny: config.json, model.safetensors,
 * preprocessor_config.json, metric.json, io.safetensors). Every image of metric.json is decoded,
 * resized and normalised as the processor does (uint8 images and pixel_values exact); the stored
 * pixel_values run through evaluation's ViTModel in float32 and float64 (embeddings, last hidden
 * state, CLS embedding, its unit vector, the cosine matrix, the generated × real block and the
 * DINO and real-real scores over the stored index sets); each interp<k>.* case runs an input of
 * another size, position embeddings interpolated.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spectune.checkpoint.SafetensorsWeights;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.evaluation.DinoScore;
import dev.spectune.evaluation.ViTConfig;
import dev.spectune.evaluation.ViTModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.image.ImageProcessor;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DinoParity {
    private DinoParity() {}

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("dino");
        ViTConfig config = ViTConfig.fromJson(folder.resolve("config.json"));
        ImageProcessor processor = ImageProcessor.fromJson(folder.resolve("preprocessor_config.json"));
        JsonNode metric = PreprocessParity.json(folder.resolve("metric.json"));
        Path model = folder.resolve("model.safetensors");
        try (GoldenFile golden = report.openIo(folder); WeightSource weights = SafetensorsWeights.open(model.toString(), List.of(model), false)) {
            INDArray pixels = PreprocessParity.modelInputs(folder, golden, report, processor, metric.path("images"));   // [B, 3, H, W]
            long[] gen = golden.get("set_gen_idx", DataType.INT64).toLongVector(), real = golden.get("set_real_idx", DataType.INT64).toLongVector();
            for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                boolean f64 = type == DataType.DOUBLE;
                String suffix = f64 ? "_f64" : "";
                double tolerance = f64 ? Tolerances.MODEL_OUTPUT_F64_REL : Tolerances.RECOMPUTED_F32_REL;
                ModelGraph g = ViTModel.build(config, weights, type, (int) pixels.size(0), (int) pixels.size(2), (int) pixels.size(3));
                Map<String, INDArray> out = g.run(Map.of("pixel_values", pixels.castTo(type)), "hidden_states.0", "last_hidden_state", "cls");
                if (!f64) {
                    report.compare("hidden_states.0", out.get("hidden_states.0"), golden.get("hidden_states.0", type), tolerance);
                    report.compare("last_hidden_state", out.get("last_hidden_state"), golden.get("last_hidden_state", type), tolerance);
                }
                DinoScore s = DinoScore.of(out.get("cls"), gen, real);
                report.compare("cls_embedding" + suffix, out.get("cls"), golden.get("cls_embedding" + suffix, type), tolerance);
                if (!f64) report.compare("cls_embedding_normalized", s.normalized(), golden.get("cls_embedding_normalized", type), tolerance);
                report.compare("cos_all" + suffix, s.cosines(), golden.get("cos_all" + suffix, type), tolerance);
                if (!f64) report.compare("cos_gen_real", s.generatedVsReal(), golden.get("cos_gen_real", type), tolerance);
                report.check("dino" + suffix + " (ours " + s.dino() + ")", s.dino() - golden.get("dino" + suffix, DataType.DOUBLE).getDouble(0), tolerance, "absolute");
                report.check("dino_real_real" + suffix + " (ours " + s.realVsReal() + ")", s.realVsReal() - golden.get("dino_real_real" + suffix, DataType.DOUBLE).getDouble(0),
                        tolerance, "absolute");
            }
            TreeSet<String> cases = new TreeSet<>();
            for (String n : golden.names()) if (n.matches("interp\\d+\\..+")) cases.add(n.substring(0, n.indexOf('.')));
            for (String c : cases) {
                INDArray input = golden.get(c + ".pixel_values", DataType.FLOAT);                      // [1, 3, h, w]
                for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                    String suffix = type == DataType.DOUBLE ? "_f64" : "";
                    double tolerance = type == DataType.DOUBLE ? Tolerances.MODEL_OUTPUT_F64_REL : Tolerances.RECOMPUTED_F32_REL;
                    ModelGraph g = ViTModel.build(config, weights, type, (int) input.size(0), (int) input.size(2), (int) input.size(3));
                    Map<String, INDArray> out = g.run(Map.of("pixel_values", input.castTo(type)), "position_embeddings", "last_hidden_state");
                    for (String t : List.of("position_embeddings", "last_hidden_state")) {
                        String name = c + "." + t + suffix;
                        if (golden.has(name)) report.compare(name + " (" + input.size(2) + "x" + input.size(3) + ")", out.get(t), golden.get(name, type), tolerance);
                    }
                }
            }
            return report;
        }
    }
}
