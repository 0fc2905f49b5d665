/*
 * ClipParity: CLIP-I and CLIP-T against a golden folder made by transformers' CLIPModel,
 * CLIPImageProcessor and CLIPTokenizer (golden/eval/clip_tiny: config.json with omitted defaults,
 * model.safetensors, preprocessor_config.json, tokenizer/, metric.json, io.safetensors). Every image
 * of metric.json is decoded and processed (uint8 images and pixel_values exact), every prompt
 * tokenized (ids and attention mask exact); the stored pixel_values and our ids run through the
 * vision tower (evaluation's ClipVisionModel) and the text tower (diffusion-model's ClipTextModel,
 * the one the pipeline uses) in float32 and float64, then the projections, unit embeddings,
 * cosines, logits and the two scores over the stored index sets.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spectune.checkpoint.SafetensorsWeights;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.evaluation.ClipScore;
import dev.spectune.evaluation.ClipVisionConfig;
import dev.spectune.evaluation.ClipVisionModel;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.image.ImageProcessor;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class ClipParity {
    private ClipParity() {}

    /** The key groups of a CLIPModel checkpoint; anything else in it is refused by name. */
    static final List<String> OWNED = List.of("text_model.", "vision_model.", "text_projection.weight", "visual_projection.weight", "logit_scale");

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("clip");
        Path config = folder.resolve("config.json"), model = folder.resolve("model.safetensors");
        TextEncoderConfig text = TextEncoderConfig.fromClipModelConfig(config);
        ClipVisionConfig vision = ClipVisionConfig.fromClipModelConfig(config);
        ImageProcessor processor = ImageProcessor.fromJson(folder.resolve("preprocessor_config.json"));
        JsonNode metric = PreprocessParity.json(folder.resolve("metric.json"));
        ClipTokenizer tokenizer;
        try {
            tokenizer = ClipTokenizer.fromFolder(folder.resolve("tokenizer"));
        } catch (IOException e) {
            throw new IllegalArgumentException(folder.resolve("tokenizer") + ": " + e.getMessage());
        }
        try (GoldenFile golden = report.openIo(folder); WeightSource weights = SafetensorsWeights.open(model.toString(), List.of(model), false)) {
            List<String> foreign = weights.keys().stream().filter(k -> OWNED.stream().noneMatch(k::startsWith)).sorted().toList();
            if (!foreign.isEmpty()) throw new IllegalArgumentException(model + ": keys outside a CLIPModel " + OWNED + ": " + foreign);
            INDArray pixels = PreprocessParity.modelInputs(folder, golden, report, processor, metric.path("images"));   // [B, 3, H, W]
            List<String> prompts = new ArrayList<>();
            for (JsonNode p : metric.path("prompts")) prompts.add(p.isTextual() ? p.asText() : p.path("text").asText());
            int length = (int) golden.shape("input_ids")[1];
            long[][] ids = new long[prompts.size()][length], mask = new long[prompts.size()][length];
            for (int i = 0; i < prompts.size(); i++) {
                int[] encoded = tokenizer.encodeForModel(prompts.get(i), length).ids();
                int real = Math.min(tokenizer.encode(prompts.get(i)).length, length - 2) + 2;               // BOS, tokens, EOS
                for (int t = 0; t < length; t++) {
                    ids[i][t] = encoded[t];
                    mask[i][t] = t < real ? 1 : 0;
                }
            }
            INDArray ourIds = Nd4j.createFromArray(ids), ourMask = Nd4j.createFromArray(mask);
            report.exact("input_ids (" + prompts.size() + " prompts)", PreprocessParity.same(ourIds, golden.get("input_ids", DataType.INT64)), "tokenizer");
            report.exact("attention_mask", PreprocessParity.same(ourMask, golden.get("attention_mask", DataType.INT64)), "tokenizer");

            long[] gen = golden.get("set_gen_idx", DataType.INT64).toLongVector(), real = golden.get("set_real_idx", DataType.INT64).toLongVector();
            long[] genPrompt = golden.get("gen_prompt_idx", DataType.INT64).toLongVector();
            double logitScale = weights.read("logit_scale", DataType.DOUBLE).getDouble(0);
            report.exact("logit_scale (the stored parameter)", golden.get("logit_scale", DataType.DOUBLE).getDouble(0) == logitScale, "weights");
            for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                boolean f64 = type == DataType.DOUBLE;
                String s = f64 ? "_f64" : "";
                double tolerance = f64 ? Tolerances.MODEL_OUTPUT_F64_REL : Tolerances.RECOMPUTED_F32_REL;
                ModelGraph v = ClipVisionModel.build(vision, weights, type, (int) pixels.size(0));
                Map<String, INDArray> vo = v.run(Map.of("pixel_values", pixels.castTo(type)), "vision_embeddings", "hidden_states.0", "last_hidden_state",
                        "pooler_output", "image_embeds_unnormalized");
                ModelGraph t = ClipTextModel.buildTower(text, weights, type, prompts.size(), length);
                INDArray pooled = t.run(Map.of("input_ids", ourIds, "pool_index", ClipTextModel.poolIndex(text, ourIds)), "pooler_output").get("pooler_output");
                INDArray textFeatures = pooled.mmul(weights.read("text_projection.weight", type).transpose());   // [T, P]
                if (!f64) {
                    report.compare("vision_embeddings", vo.get("vision_embeddings"), golden.get("vision_embeddings", type), tolerance);
                    report.compare("vision_hidden_states.0", vo.get("hidden_states.0"), golden.get("vision_hidden_states.0", type), tolerance);
                    report.compare("vision_last_hidden_state", vo.get("last_hidden_state"), golden.get("vision_last_hidden_state", type), tolerance);
                    report.compare("vision_pooler_output", vo.get("pooler_output"), golden.get("vision_pooler_output", type), tolerance);
                    report.compare("text_pooler_output", pooled, golden.get("text_pooler_output", type), tolerance);
                }
                report.compare("image_embeds_unnormalized" + s, vo.get("image_embeds_unnormalized"), golden.get("image_embeds_unnormalized" + s, type), tolerance);
                report.compare("text_embeds_unnormalized" + s, textFeatures, golden.get("text_embeds_unnormalized" + s, type), tolerance);
                ClipScore score = ClipScore.of(vo.get("image_embeds_unnormalized"), textFeatures, gen, real, genPrompt);
                report.compare("image_embeds" + s, score.imageEmbeds(), golden.get("image_embeds" + s, type), tolerance);
                report.compare("text_embeds" + s, score.textEmbeds(), golden.get("text_embeds" + s, type), tolerance);
                report.compare("cos_image_image" + s, score.cosImageImage(), golden.get("cos_image_image" + s, type), tolerance);
                report.compare("cos_image_text" + s, score.cosImageText(), golden.get("cos_image_text" + s, type), tolerance);
                if (!f64) {
                    report.compare("cos_gen_real", score.generatedVsReal(), golden.get("cos_gen_real", type), tolerance);
                    report.compare("clip_t_per_gen_image", score.clipTPerImage(), golden.get("clip_t_per_gen_image", type), tolerance);
                    INDArray logits = score.cosImageText().mul(Math.exp(logitScale));                   // [B, T]
                    report.compare("logits_per_image", logits, golden.get("logits_per_image", type), tolerance);
                    report.compare("logits_per_text", logits.transpose(), golden.get("logits_per_text", type), tolerance);
                }
                report.check("clip_i" + s + " (ours " + score.clipI() + ")", score.clipI() - golden.get("clip_i" + s, DataType.DOUBLE).getDouble(0), tolerance, "absolute");
                report.check("clip_t" + s + " (ours " + score.clipT() + ")", score.clipT() - golden.get("clip_t" + s, DataType.DOUBLE).getDouble(0), tolerance, "absolute");
            }
            return report;
        }
    }

}
