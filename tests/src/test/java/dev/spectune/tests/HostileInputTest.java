/*
 * HostileInputTest: inputs a user gets wrong are refused before anything is read or written, with
 * exit 2 and a message naming the option or file (issue 17): non-finite numbers in options, an
 * unknown fusion, an adapter folder whose target regex does not compile; and diffusers' most common
 * LoRA file — the UNet's layers alone — is taken as it is, its text-encoder part being optional.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.adapters.io.AdapterMerge;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostileInputTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "sample, --strength, NaN",
            "sample, --guidance, Infinity",
            "sample, --eta, -Infinity",
            "train, --max-grad-norm, NaN",
            "train, --lr, Infinity",
            "export, --strength, NaN"})
    void nonFiniteNumbersAreRefusedByOption(String command, String option, String value) {
        Path out = dir.resolve("out");
        List<String> args = switch (command) {
            case "sample" -> List.of("sample", "--model", "m", "--prompt", "p", "--adapter", "a", "--out", out.toString(), option, value);
            case "train" -> List.of("train", "--model", "m", "--images", "i", "--prompt", "p", "--out", out.toString(), option, value);
            default -> List.of("export", "--model", "m", "--adapter", "a", "--out", out.toString(), option, value);
        };
        CheckpointCliTest.Run r = CheckpointCliTest.run(args.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(option).contains("'" + value + "' is not a finite number");
        assertThat(Files.exists(out)).as("nothing written").isFalse();
    }

    @Test
    void anUnknownFusionIsRefusedBeforeTheModelIsRead() {
        CheckpointCliTest.Run r = CheckpointCliTest.run("export", "--model", dir.resolve("absent").toString(), "--adapter", "a", "--fusion", "avg",
                "--out", dir.resolve("e.safetensors").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--fusion must be sum or mean, got 'avg'").doesNotContain("absent");
    }

    @Test
    void anAdapterFolderWithABadTargetRegexNamesTheFileAndField() throws Exception {
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Files.writeString(adapter.resolve(AdapterDirectory.CONFIG), """
                {"peft_type": "LORA", "r": 4, "lora_alpha": 4, "target_modules": "to_q["}
                """);
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(adapter.resolve(AdapterDirectory.WEIGHTS),
                List.of(dev.spectune.checkpoint.safetensors.Tensor.ofFloats("base_model.model.a.lora_A.weight", new float[] {1}, 1, 1)), java.util.Map.of());
        assertThatThrownBy(() -> AdapterDirectory.read(adapter)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(AdapterDirectory.CONFIG).hasMessageContaining("target_modules").hasMessageContaining("to_q[");
    }

    @Test
    void aDiffusersLoraFileOfTheUNetAloneIsTaken() throws Exception {
        Path file = TestFixtures.path("golden/lora_unet_tiny/pytorch_lora_weights.safetensors");
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(TestFixtures.path("golden/pipeline_tiny"), null)) {
            AdapterMerge.Fused fused = AdapterMerge.fuse(List.of(file), List.of(1.0), pipe.component("unet"), pipe.component("vae"), pipe.component("text_encoder"));
            assertThat(fused.unet()).hasSize(32);                                           // to_q, to_k, to_v, to_out.0 of 8 attention layers
            assertThat(fused.textEncoder()).isEmpty();
        }
        CheckpointCliTest.Run r = CheckpointCliTest.run("export", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--adapter", file.toString(),
                "--format", "deltas", "--out", dir.resolve("deltas.safetensors").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ΔW of 32 UNet weights");
    }
}
