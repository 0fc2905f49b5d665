/*
 * CheckpointTest: opening what users bring — a diffusers pipeline folder, a single-file
 * checkpoint (presented under diffusers names and shapes, equal to its twin), component folders —
 * and the clear refusals (missing paths, pickles, listed-but-missing components), plus the strict
 * load report.
 */
package dev.spectune.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class CheckpointTest {

    @TempDir
    Path dir;

    @Test
    void pipelineFolderHasThreeNetworks() {
        try (Checkpoint c = Checkpoint.open(TestFixtures.path("golden/pipeline_tiny"))) {
            assertThat(c.format()).isEqualTo(ModelFormat.DIFFUSERS_PIPELINE);
            assertThat(c.components().keySet()).containsExactly("unet", "vae", "text_encoder");
            assertThat(c.component("unet").keys()).hasSize(208);
        }
    }

    @Test
    void singleFileEqualsItsDiffusersTwinUnderDiffusersNames() {
        Path folder = TestFixtures.path("golden/ldm_single_file_tiny");
        try (Checkpoint single = Checkpoint.open(folder.resolve("tiny_sd1_ldm.safetensors"))) {
            assertThat(single.format()).isEqualTo(ModelFormat.SINGLE_FILE);
            for (String component : new String[] {"unet", "vae", "text_encoder"}) {
                try (WeightSource twin = Checkpoint.openComponentFolder(folder.resolve("diffusers").resolve(component))) {
                    WeightSource mine = single.component(component);
                    assertThat(mine.keys()).containsExactlyInAnyOrderElementsOf(twin.keys());
                    for (String k : twin.keys()) {
                        assertThat(mine.shape(k)).as(k).isEqualTo(twin.shape(k));
                        assertThat(mine.read(k, DataType.FLOAT)).as(k).isEqualTo(twin.read(k, DataType.FLOAT));
                    }
                }
            }
        }
    }

    @Test
    void refusalsNameThePathAndProblem() throws IOException {
        assertThatThrownBy(() -> Checkpoint.open(dir.resolve("nope"))).hasMessageContaining("nope").hasMessageContaining("no such file");
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "pickle");
        assertThatThrownBy(() -> Checkpoint.open(ckpt)).hasMessageContaining("pickle");
        Path pipe = Files.createDirectories(dir.resolve("pipe"));
        Files.writeString(pipe.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}");
        assertThatThrownBy(() -> Checkpoint.open(pipe)).hasMessageContaining("'unet'").hasMessageContaining("missing");
        Path unet = Files.createDirectories(pipe.resolve("unet"));
        Files.writeString(unet.resolve("diffusion_pytorch_model.bin"), "pickle");
        assertThatThrownBy(() -> Checkpoint.open(pipe)).hasMessageContaining("pickle").hasMessageContaining("safetensors");
    }
}
