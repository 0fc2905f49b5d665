/*
 * ViTModelTest: the real DINO ViT-S/16 config (../shared/artifacts/eval-configs/dino-vits16) builds
 * with the parameter count transformers gives ViTModel without its pooler, and a config that omits
 * keys takes ViTConfig's defaults; position interpolation keeps the table when nothing changes.
 */
package dev.spectune.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.runtime.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ViTModelTest {

    static final Path CONFIGS = Fixtures.locate().orElseThrow().resolve("artifacts/eval-configs");

    @Test
    void theRealDinoConfigBuildsWithItsParameterCount() throws Exception {
        long expected = new ObjectMapper().readTree(CONFIGS.resolve("parameter_counts.json").toFile()).path("dino-vits16").path("ViTModel_without_pooler").asLong();
        long count = 0;
        for (long[] shape : ViTModel.parameterShapes(ViTConfig.fromJson(CONFIGS.resolve("dino-vits16/config.json"))).values()) {
            long n = 1;
            for (long d : shape) n *= d;
            count += n;
        }
        System.out.printf("dino-vits16: %,d parameters (transformers: %,d)%n", count, expected);
        assertThat(expected).isPositive();
        assertThat(count).isEqualTo(expected);
    }

    @Test
    void omittedKeysTakeTheClassDefaults(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"vit\", \"hidden_size\": 64, \"num_attention_heads\": 4}");
        ViTConfig c = ViTConfig.fromJson(config);
        assertThat(c).isEqualTo(new ViTConfig(64, 12, 4, 3072, "gelu", 1e-12, 224, 16, 3, true));
    }

    @Test
    void interpolationKeepsTheTableAtItsOwnSquareSize() {
        INDArray table = Nd4j.rand(DataType.DOUBLE, 1, 17, 5);
        assertThat(PositionInterpolation.forInput(table, 32, 32, 8)).isSameAs(table);
        assertThat(PositionInterpolation.forInput(table, 48, 24, 8).shape()).containsExactly(1, 19, 5);
        double[] w = PositionInterpolation.coefficients(0.25);
        assertThat(w[0] + w[1] + w[2] + w[3]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-15));
    }
}
