/*
 * ConfigTest: every real and golden config parses into its record; detectFromWeights recovers the
 * structure from shapes alone (SD-1.5 at full size, and the tiny golden models); bad configs name
 * the file and field.
 */
package dev.spectune.checkpoint.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    @TempDir
    Path dir;

    /** The fields weights determine (norm groups, heads and sample size they do not). */
    private static List<Object> structure(UNetConfig c) {
        return List.of(c.inChannels(), c.outChannels(), c.blockOutChannels(), c.downBlockTypes(), c.upBlockTypes(),
                c.layersPerBlock(), c.crossAttentionDim(), c.transformerLayersPerBlock(), c.useLinearProjection());
    }

    @Test
    void realSd15ConfigsParse() {
        Path sd15 = TestFixtures.path("artifacts/sd15-config");
        UNetConfig unet = UNetConfig.fromJson(sd15.resolve("unet/config.json"));
        assertThat(unet.blockOutChannels()).containsExactly(320, 640, 1280, 1280);
        assertThat(unet.attentionHeads()).containsExactly(8, 8, 8, 8);
        assertThat(unet.crossAttentionDim()).isEqualTo(768);
        assertThat(unet.timeEmbeddingDim()).isEqualTo(1280);
        VaeConfig vae = VaeConfig.fromJson(sd15.resolve("vae/config.json"));
        assertThat(vae.blockOutChannels()).containsExactly(128, 256, 512, 512);
        assertThat(vae.scalingFactor()).isEqualTo(0.18215);
        TextEncoderConfig text = TextEncoderConfig.fromJson(sd15.resolve("text_encoder/config.json"));
        assertThat(text.hiddenSize()).isEqualTo(768);
        assertThat(text.legacyArgmaxPooling()).isTrue();
        SchedulerConfig sched = SchedulerConfig.fromJson(sd15.resolve("scheduler/scheduler_config.json"));
        assertThat(sched.className()).isEqualTo("PNDMScheduler");
        assertThat(sched.betaSchedule()).isEqualTo("scaled_linear");
        assertThat(sched.stepsOffset()).isEqualTo(1);
        ModelIndex index = ModelIndex.fromJson(sd15.resolve("model_index.json"));
        assertThat(index.components()).containsKeys("unet", "vae", "text_encoder", "scheduler", "tokenizer");
    }

    @Test
    void sd15DetectedFromFullSizeShapesEqualsRealConfig() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestFixtures.path("golden/sd15_keymap/sd15_keymaps.json").toFile());
        UNetConfig detected = UNetConfig.detectFromWeights(shapes(root.get("unet").get("keys")));
        UNetConfig real = UNetConfig.fromJson(TestFixtures.path("artifacts/sd15-config/unet/config.json"));
        assertThat(structure(detected)).isEqualTo(structure(real));
        assertThat(detected.attentionHeads()).isEqualTo(real.attentionHeads());
        assertThat(detected.normNumGroups()).isEqualTo(real.normNumGroups());
        VaeConfig vae = VaeConfig.detectFromWeights(shapes(root.get("vae").get("keys")));
        VaeConfig realVae = VaeConfig.fromJson(TestFixtures.path("artifacts/sd15-config/vae/config.json"));
        assertThat(vae.blockOutChannels()).isEqualTo(realVae.blockOutChannels());
        assertThat(vae.layersPerBlock()).isEqualTo(realVae.layersPerBlock());
        assertThat(vae.latentChannels()).isEqualTo(realVae.latentChannels());
        TextEncoderConfig text = TextEncoderConfig.detectFromWeights(shapes(root.get("text_encoder").get("keys")));
        TextEncoderConfig realText = TextEncoderConfig.fromJson(TestFixtures.path("artifacts/sd15-config/text_encoder/config.json"));
        assertThat(List.of(text.hiddenSize(), text.intermediateSize(), text.numHiddenLayers(), text.numAttentionHeads(), text.vocabSize(), text.eosTokenId()))
                .isEqualTo(List.of(realText.hiddenSize(), realText.intermediateSize(), realText.numHiddenLayers(), realText.numAttentionHeads(), realText.vocabSize(), realText.eosTokenId()));
    }

    @Test
    void goldenUnetConfigsParseAndAreDetectedFromTheirWeights() {
        for (String folder : List.of("golden/unet_tiny", "golden/unet_sd_topology", "golden/pipeline_tiny/unet", "golden/ldm_single_file_tiny/diffusers/unet")) {
            Path f = TestFixtures.path(folder);
            UNetConfig config = UNetConfig.fromJson(f.resolve("config.json"));
            try (WeightSource w = Checkpoint.openComponentFolder(f)) {
                assertThat(structure(UNetConfig.detectFromWeights(w.shapes()))).as(folder).isEqualTo(structure(config));
            }
        }
        for (String folder : List.of("golden/vae_tiny", "golden/pipeline_tiny/vae", "golden/ldm_single_file_tiny/diffusers/vae")) {
            Path f = TestFixtures.path(folder);
            VaeConfig config = VaeConfig.fromJson(f.resolve("config.json"));
            try (WeightSource w = Checkpoint.openComponentFolder(f)) {
                VaeConfig d = VaeConfig.detectFromWeights(w.shapes());
                assertThat(List.of(d.blockOutChannels(), d.layersPerBlock(), d.latentChannels(), d.inChannels()))
                        .as(folder).isEqualTo(List.of(config.blockOutChannels(), config.layersPerBlock(), config.latentChannels(), config.inChannels()));
            }
        }
        for (String folder : List.of("golden/text_encoder_tiny", "golden/pipeline_tiny/text_encoder")) {
            TextEncoderConfig c = TextEncoderConfig.fromJson(TestFixtures.path(folder).resolve("config.json"));
            assertThat(c.hiddenSize()).isEqualTo(32);
            assertThat(c.legacyArgmaxPooling()).isFalse();
        }
        SchedulerConfig s = SchedulerConfig.fromJson(TestFixtures.path("golden/pipeline_tiny/scheduler/scheduler_config.json"));
        assertThat(s.className()).isEqualTo("DDIMScheduler");
    }

    @Test
    void missingRequiredFieldAndWrongTypesAreNamed() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"down_block_types\": [\"DownBlock2D\"], \"up_block_types\": [\"UpBlock2D\"], \"cross_attention_dim\": 8}");
        assertThatThrownBy(() -> UNetConfig.fromJson(f)).hasMessageContaining(f.toString()).hasMessageContaining("'block_out_channels'");
        Files.writeString(f, "{\"block_out_channels\": \"wide\", \"down_block_types\": [], \"up_block_types\": [], \"cross_attention_dim\": 8}");
        assertThatThrownBy(() -> UNetConfig.fromJson(f)).hasMessageContaining("'block_out_channels'").hasMessageContaining("list of integers");
        Files.writeString(f, "{\"block_out_channels\": [32], \"down_block_types\": [\"FancyBlock\"], \"up_block_types\": [\"UpBlock2D\"], \"cross_attention_dim\": 8, \"norm_num_groups\": 8}");
        assertThatThrownBy(() -> UNetConfig.fromJson(f)).hasMessageContaining("FancyBlock");
        Files.writeString(f, "{\"block_out_channels\": [30], \"down_block_types\": [\"DownBlock2D\"], \"up_block_types\": [\"UpBlock2D\"], \"cross_attention_dim\": 8}");
        assertThatThrownBy(() -> UNetConfig.fromJson(f)).hasMessageContaining("not divisible by norm_num_groups 32");
        Files.writeString(f, "{\"hidden_size\": 32, \"unknown_future_field\": {\"x\": 1}, \"intermediate_size\": 37, \"num_hidden_layers\": 2, \"num_attention_heads\": 4}");
        assertThat(TextEncoderConfig.fromJson(f).hiddenSize()).isEqualTo(32);
        Files.writeString(f, "{ not json");
        assertThatThrownBy(() -> VaeConfig.fromJson(f)).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> VaeConfig.fromJson(dir.resolve("absent.json"))).hasMessageContaining("not found");
    }

    private static WeightShapes shapes(JsonNode keys) {
        Map<String, long[]> m = new LinkedHashMap<>();
        keys.fields().forEachRemaining(e -> {
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) s[i] = e.getValue().get(i).asLong();
            m.put(e.getKey(), s);
        });
        return new WeightShapes(m);
    }
}
