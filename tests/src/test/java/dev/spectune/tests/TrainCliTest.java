/*
 * TrainCliTest: `train` from the command line on the tiny golden pipeline — OFT on the UNet and the
 * text encoder, DCO, two validation prompts — writes a peft-shaped OFT folder (and its text-encoder
 * twin), a validation grid, run.json with the settings and the log; bad options exit 2 naming the
 * problem.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCliTest {

    static String[] args(Path out, String... extra) {
        String[] base = {"train", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--images",
                TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(), "--prompt", "a photo of sks dog", "--steps", "2",
                "--resolution", "32", "--out", out.toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void oftWithTextEncoderDcoAndAValidationGrid(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        var r = CheckpointCliTest.run(args(out, "--method", "oft", "--rank", "4", "--train-text-encoder", "--dco-beta", "1000",
                "--validation-prompt", "a photo of sks dog", "--validation-prompt", "a sks dog on the beach"));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        var config = new ObjectMapper().readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertThat(config.path("peft_type").asText()).isEqualTo("OFT");
        assertThat(config.path("r").asInt()).isEqualTo(4);
        assertThat(config.path("use_cayley_neumann").asBoolean()).isTrue();
        assertThat(out.resolve("adapter/text_encoder/adapter_model.safetensors")).exists();
        var grid = ImageIO.read(out.resolve("validation_final.png").toFile());
        assertThat(grid.getWidth()).isEqualTo(64);
        assertThat(grid.getHeight()).isEqualTo(32);
        assertThat(PngWriter.readParameters(out.resolve("validation_final.png"))).startsWith("grid of a photo of sks dog | a sks dog on the beach");
        var run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertThat(run.path("dco_beta").asDouble()).isEqualTo(1000);
        assertThat(run.path("method").asText()).isEqualTo("oft");
        assertThat(Files.readAllLines(out.resolve("log.csv"))).hasSize(3);              // header + 2 steps
        assertThat(r.out()).contains("training oft on 32 layers");
    }

    @Test
    void badOptionsExitTwoNamingTheProblem(@TempDir Path dir) {
        var method = CheckpointCliTest.run(args(dir.resolve("a"), "--method", "nope"));
        assertThat(method.code()).isEqualTo(2);
        assertThat(method.err()).contains("unknown adapter method 'nope'", "dora", "lidb");
        var coft = CheckpointCliTest.run(args(dir.resolve("b"), "--method", "oft", "--coft-eps", "-1"));
        assertThat(coft.code()).isEqualTo(2);
        assertThat(coft.err()).contains("COFT ε must be >= 0");
        var blocks = CheckpointCliTest.run(args(dir.resolve("c"), "--method", "oft", "--rank", "5"));
        assertThat(blocks.code()).isEqualTo(2);
        assertThat(blocks.err()).contains("5 blocks do not divide");
        assertThat(dir.resolve("a/adapter")).doesNotExist();
    }
}
