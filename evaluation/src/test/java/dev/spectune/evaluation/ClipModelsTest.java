/*
 * ClipModelsTest: the real openai/clip-vit-large-patch14 config (../shared/artifacts/eval-configs)
 * builds both towers with the parameter counts transformers gives them, and a CLIPModel config
 * that omits its sub-configs takes CLIPVisionConfig's and CLIPTextConfig's defaults.
 */
package dev.spectune.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.model.ClipTextModel;
import dev.spectune.runtime.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipModelsTest {

    static final Path CONFIGS = Fixtures.locate().orElseThrow().resolve("artifacts/eval-configs");

    static long count(Map<String, long[]> shapes, String prefix) {
        long total = 0;
        for (var e : shapes.entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            long n = 1;
            for (long d : e.getValue()) n *= d;
            total += n;
        }
        return total;
    }

    @Test
    void theRealClipConfigBuildsWithItsParameterCounts() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(CONFIGS.resolve("parameter_counts.json").toFile()).path("clip-vit-large-patch14");
        Path config = CONFIGS.resolve("clip-vit-large-patch14/config.json");
        Map<String, long[]> vision = ClipVisionModel.parameterShapes(ClipVisionConfig.fromClipModelConfig(config));
        Map<String, long[]> text = ClipTextModel.parameterShapes(TextEncoderConfig.fromClipModelConfig(config));
        System.out.printf("clip-vit-large-patch14: vision %,d, visual_projection %,d, text %,d%n", count(vision, "vision_model."),
                count(vision, "visual_projection."), count(text, "text_model."));
        assertThat(count(vision, "vision_model.")).isEqualTo(expected.path("vision_model").asLong()).isPositive();
        assertThat(count(vision, "visual_projection.")).isEqualTo(expected.path("visual_projection").asLong());
        assertThat(count(text, "text_model.")).isEqualTo(expected.path("text_model").asLong());
    }

    @Test
    void omittedSubConfigsTakeTheClassDefaults(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"clip\", \"projection_dim\": 64}");
        assertThat(ClipVisionConfig.fromClipModelConfig(config)).isEqualTo(new ClipVisionConfig(768, 3072, 12, 12, 3, 224, 32, "quick_gelu", 1e-5, 64));
        TextEncoderConfig t = TextEncoderConfig.fromClipModelConfig(config);
        assertThat(t).isEqualTo(new TextEncoderConfig(49408, 512, 2048, 12, 8, 77, "quick_gelu", 1e-5, 49406, 49407, 1, 64));
    }
}
