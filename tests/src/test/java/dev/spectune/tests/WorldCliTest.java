/*
 * WorldCliTest: `world render` writes scenes whose PNGs, read back from disk, score exactly 1
 * against their captions; `world score` refuses a prompt outside the grammar naming the line and
 * the word before any model is read, and on the tiny pipeline writes scores.json with every
 * attribute's fraction in [0, 1] (null where no prompt names it) and one row per prompt.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.testing.TestFixtures;
import dev.spectune.world.Caption;
import dev.spectune.world.PromptFidelity;
import dev.spectune.world.WorldAnalysis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldCliTest {

    @TempDir
    Path dir;

    @Test
    void renderedScenesReadBackFromDiskScoreExactly() throws Exception {
        Path out = dir.resolve("render");
        var r = CheckpointCliTest.run("world", "render", "--count", "9", "--side", "64", "--seed", "5", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out.resolve("captions.txt"));
        assertThat(lines).hasSize(9);
        for (String line : lines) {
            String[] f = line.split("\t");
            var img = ImageIO.read(out.resolve(f[0]).toFile());
            int[] rgb = img.getRGB(0, 0, 64, 64, null, 0, 64);
            for (int i = 0; i < rgb.length; i++) rgb[i] &= 0xFFFFFF;
            assertThat(PromptFidelity.score(Caption.parse(f[1]), WorldAnalysis.of(rgb, 64)).fidelity()).as(line).isEqualTo(1.0);
        }
        assertThat(out.resolve("grid.png")).isRegularFile();
    }

    @Test
    void scoreRefusesAPromptOutsideTheGrammarByLineAndWord() throws Exception {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "# held-out pairs\na red circle on a blue background\na green hexagon\n");
        var r = CheckpointCliTest.run("world", "score", "--model", dir.resolve("no-model").toString(), "--prompts", prompts.toString(), "--out", dir.resolve("s").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("line 3", "'hexagon'");
        assertThat(dir.resolve("s")).doesNotExist();
    }

    @Test
    void scoreWritesEveryAttributesFraction() throws Exception {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "a red circle on a blue background\na small yellow star at the top left and a white square\n");
        Path out = dir.resolve("scores");
        var r = CheckpointCliTest.run("world", "score", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompts", prompts.toString(),
                "--seeds", "1", "--sample-steps", "2", "--resolution", "32", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode s = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        for (String a : List.of("background_colour", "object_colour", "shape", "size", "position", "count", "prompt_fidelity")) {
            assertThat(s.path("overall").has(a)).as(a).isTrue();
            assertThat(s.path("overall").get(a).asDouble()).as(a).isBetween(0.0, 1.0);
        }
        assertThat(s.path("per_prompt")).hasSize(2);
        assertThat(s.path("per_prompt").get(0).get("size").isNull()).as("the first prompt names no size").isTrue();
        assertThat(out.resolve("images/p001_s0.png")).isRegularFile();
        assertThat(s.path("scheduler").asText()).as("the model's own scheduler by default").isEqualTo("DDIMScheduler");

        Path ddpm = dir.resolve("scores-ddpm");
        r = CheckpointCliTest.run("world", "score", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompts", prompts.toString(),
                "--seeds", "1", "--sample-steps", "2", "--resolution", "32", "--scheduler", "ddpm", "--out", ddpm.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(ddpm.resolve("scores.json").toFile()).path("scheduler").asText()).isEqualTo("DDPMScheduler");
        assertThat(Files.readAllBytes(ddpm.resolve("images/p000_s0.png"))).as("another sampler, other pixels")
                .isNotEqualTo(Files.readAllBytes(out.resolve("images/p000_s0.png")));

        r = CheckpointCliTest.run("world", "score", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompts", prompts.toString(),
                "--scheduler", "heun", "--out", dir.resolve("scores-heun").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--scheduler", "'heun'", "ddpm");
    }
}
