/*
 * NameMappingTest: the single-file ↔ diffusers renaming checked at full SD-1.5 size without the
 * weights (every key and shape of the real checkpoint, both ways, nothing missing or extra), on
 * the golden tiny key map, and with real tensors (the tiny single file equals its diffusers twin
 * bit for bit).
 */
package dev.spectune.checkpoint.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NameMappingTest {

    private static Map<String, List<Long>> shapes(JsonNode keys) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        keys.fields().forEachRemaining(e -> {
            List<Long> shape = new ArrayList<>();
            e.getValue().forEach(d -> shape.add(d.asLong()));
            out.put(e.getKey(), shape);
        });
        return out;
    }

    private static long[] toArray(List<Long> shape) {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void sd15FullSizeKeyMapBothWaysWithShapes() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestFixtures.path("golden/sd15_keymap/sd15_keymaps.json").toFile());
        Map<Component, Map<String, List<Long>>> diffusers = new LinkedHashMap<>();
        diffusers.put(Component.UNET, shapes(root.get("unet").get("keys")));
        diffusers.put(Component.VAE, shapes(root.get("vae").get("keys")));
        diffusers.put(Component.TEXT_ENCODER, shapes(root.get("text_encoder").get("keys")));
        Map<String, List<Long>> ldm = shapes(root.get("ldm_single_file").get("keys"));

        LdmLayout fromDiffusers = LdmLayout.fromDiffusers(diffusers.get(Component.UNET).keySet(), diffusers.get(Component.VAE).keySet());
        assertThat(fromDiffusers).isEqualTo(new LdmLayout(2, 4, java.util.Set.of(1, 2, 3), 4));

        // diffusers → single file: every key lands on a real key with the right shape, and all are hit.
        Map<String, String> produced = new HashMap<>();
        for (var component : diffusers.entrySet()) {
            for (var e : component.getValue().entrySet()) {
                String target = NameMapping.toLdm(component.getKey(), e.getKey(), fromDiffusers);
                assertThat(ldm).as(component.getKey() + " " + e.getKey() + " -> " + target).containsKey(target);
                assertThat(NameMapping.shapesCorrespond(component.getKey(), e.getKey(), toArray(ldm.get(target)), toArray(e.getValue())))
                        .as(target + " " + ldm.get(target) + " vs " + e.getKey() + " " + e.getValue()).isTrue();
                assertThat(produced.put(target, e.getKey())).as("two keys map to " + target).isNull();
            }
        }
        assertThat(produced.keySet()).containsExactlyInAnyOrderElementsOf(ldm.keySet());

        // single file → diffusers, with the layout detected from the single file's own keys.
        List<String> unetLdm = new ArrayList<>(), vaeLdm = new ArrayList<>();
        for (String k : ldm.keySet()) {
            if (k.startsWith(Component.UNET.ldmPrefix())) unetLdm.add(k.substring(Component.UNET.ldmPrefix().length()));
            if (k.startsWith(Component.VAE.ldmPrefix())) vaeLdm.add(k.substring(Component.VAE.ldmPrefix().length()));
        }
        assertThat(LdmLayout.fromLdm(unetLdm, vaeLdm)).isEqualTo(fromDiffusers);
        int count = 0;
        for (String k : ldm.keySet()) {
            NameMapping.Named back = NameMapping.fromLdm(k, fromDiffusers);
            assertThat(diffusers.get(back.component())).as(k + " -> " + back).containsKey(back.key());
            assertThat(NameMapping.toLdm(back.component(), back.key(), fromDiffusers)).isEqualTo(k);
            count++;
        }
        System.out.printf("sd15 key map: %d single-file keys <-> %d diffusers keys, shapes equal%n", count, produced.size());
    }

    @Test
    void oldVaeAttentionNamesModernize() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestFixtures.path("golden/sd15_keymap/sd15_keymaps.json").toFile());
        root.get("vae_deprecated_attention_names").fields().forEachRemaining(e ->
                assertThat(NameMapping.modernizeVaeKey(e.getValue().asText())).isEqualTo(e.getKey()));
        assertThat(NameMapping.modernizeVaeKey("decoder.up_blocks.0.resnets.0.conv1.weight")).isEqualTo("decoder.up_blocks.0.resnets.0.conv1.weight");
    }

    @Test
    void tinyGoldenKeyMapExactAndTensorsBitExact() throws IOException {
        Path folder = TestFixtures.path("golden/ldm_single_file_tiny");
        JsonNode map = new ObjectMapper().readTree(folder.resolve("key_map.json").toFile()).get("diffusers_to_ldm");
        Map<Component, SafetensorsFile> twins = new LinkedHashMap<>();
        try (SafetensorsFile single = SafetensorsFile.open(folder.resolve("tiny_sd1_ldm.safetensors"));
             SafetensorsFile unet = SafetensorsFile.open(folder.resolve("diffusers/unet/diffusion_pytorch_model.safetensors"));
             SafetensorsFile vae = SafetensorsFile.open(folder.resolve("diffusers/vae/diffusion_pytorch_model.safetensors"));
             SafetensorsFile text = SafetensorsFile.open(folder.resolve("diffusers/text_encoder/model.safetensors"))) {
            twins.put(Component.UNET, unet);
            twins.put(Component.VAE, vae);
            twins.put(Component.TEXT_ENCODER, text);
            LdmLayout layout = LdmLayout.fromDiffusers(unet.names(), vae.names());
            int checked = 0;
            for (var e : twins.entrySet()) {
                for (String key : e.getValue().names()) {
                    JsonNode listed = map.get(e.getKey().folder() + "." + key);   // the key map lists unet and vae
                    String expected = listed != null ? listed.asText() : Component.TEXT_ENCODER.ldmPrefix() + key;
                    String ldmKey = NameMapping.toLdm(e.getKey(), key, layout);
                    assertThat(ldmKey).as(key).isEqualTo(expected);
                    assertThat(single.raw(ldmKey)).as("bytes of " + ldmKey).isEqualTo(e.getValue().raw(key));
                    long[] dShape = e.getValue().info(key).shape(), lShape = single.info(ldmKey).shape();
                    assertThat(NameMapping.shapesCorrespond(e.getKey(), key, lShape, dShape)).as(key + " " + Arrays.toString(dShape)).isTrue();
                    if (!Arrays.equals(dShape, lShape)) assertThat(NameMapping.isVaeAttentionProjection(key)).isTrue();
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(map.size() + text.names().size()).isEqualTo(single.names().size());
            System.out.printf("tiny single file: %d tensors equal to the diffusers twin, bit-exact%n", checked);
        }
    }

    @Test
    void unknownKeysAreRefusedByName() {
        LdmLayout layout = new LdmLayout(2, 4, java.util.Set.of(1, 2, 3), 4);
        assertThatThrownBy(() -> NameMapping.fromLdm("model.diffusion_model.bogus.weight", layout)).hasMessageContaining("bogus");
        assertThatThrownBy(() -> NameMapping.fromLdm("something.else", layout)).hasMessageContaining("no known component");
        assertThatThrownBy(() -> NameMapping.unetToLdm("down_blocks.0.resnets.0.weird.weight", layout)).hasMessageContaining("weird");
    }

    @Test
    void kohyaNamesOfEverySd15WeightAreUniqueAndMatchSdScripts() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestFixtures.path("golden/sd15_keymap/sd15_keymaps.json").toFile());
        Map<String, List<Long>> unet = shapes(root.get("unet").get("keys")), text = shapes(root.get("text_encoder").get("keys"));
        LdmLayout layout = LdmLayout.fromDiffusers(unet.keySet(), shapes(root.get("vae").get("keys")).keySet());
        for (NameMapping.KohyaNames style : NameMapping.KohyaNames.values()) {
            Map<String, String> seen = new HashMap<>();
            int attention = 0;
            for (String k : unet.keySet()) {
                if (!k.endsWith(".weight")) continue;
                String name = NameMapping.toKohya(Component.UNET, k, style, layout);
                assertThat(seen.put(name, k)).as(style + ": two weights named " + name).isNull();
                if (k.matches(".*attn[12]\\.(to_q|to_k|to_v|to_out\\.0)\\.weight")) attention++;
            }
            for (String k : text.keySet()) if (k.endsWith(".weight")) assertThat(seen.put(NameMapping.toKohya(Component.TEXT_ENCODER, k, style, layout), k)).isNull();
            assertThat(attention).isEqualTo(128);
        }
        // sd-scripts' names for SD-1.x (diffusers module paths), the default
        assertThat(NameMapping.toKohya(Component.UNET, "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", NameMapping.KohyaNames.DIFFUSERS, null))
                .isEqualTo("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q");
        assertThat(NameMapping.toKohya(Component.UNET, "up_blocks.3.attentions.2.transformer_blocks.0.attn1.to_out.0.weight", NameMapping.KohyaNames.DIFFUSERS, null))
                .isEqualTo("lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn1_to_out_0");
        assertThat(NameMapping.toKohya(Component.UNET, "down_blocks.0.resnets.0.conv1.weight", NameMapping.KohyaNames.DIFFUSERS, null))
                .isEqualTo("lora_unet_down_blocks_0_resnets_0_conv1");
        // the original checkpoint's module names, on request
        assertThat(NameMapping.toKohya(Component.UNET, "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight", NameMapping.KohyaNames.LDM, layout))
                .isEqualTo("lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q");
        assertThat(NameMapping.toKohya(Component.UNET, "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight", NameMapping.KohyaNames.LDM, layout))
                .isEqualTo("lora_unet_middle_block_1_transformer_blocks_0_attn2_to_k");
        assertThat(NameMapping.toKohya(Component.UNET, "up_blocks.3.attentions.2.transformer_blocks.0.attn1.to_out.0.weight", NameMapping.KohyaNames.LDM, layout))
                .isEqualTo("lora_unet_output_blocks_11_1_transformer_blocks_0_attn1_to_out_0");
        assertThat(NameMapping.toKohya(Component.TEXT_ENCODER, "text_model.encoder.layers.11.self_attn.out_proj.weight", NameMapping.KohyaNames.DIFFUSERS, null))
                .isEqualTo("lora_te_text_model_encoder_layers_11_self_attn_out_proj");
    }
}
