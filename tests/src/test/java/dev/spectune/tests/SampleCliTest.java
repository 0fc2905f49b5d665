/*
 * SampleCliTest: `sample` on the tiny golden pipeline writes a valid PNG with the parameters chunk,
 * the same bytes twice; bad input (missing folder, config that does not fit the weights, unknown
 * scheduler) exits 2 and writes nothing; an over-long prompt is truncated with a warning.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleCliTest {

    @TempDir
    Path dir;

    private String[] args(Path model, Path out, String... extra) {
        return Stream.concat(Stream.of("sample", "--model", model.toString(), "--prompt", "a photo of sks dog", "--steps", "4",
                "--guidance", "7.5", "--seed", "1", "--height", "32", "--width", "32", "--out", out.toString()), Stream.of(extra)).toArray(String[]::new);
    }

    @Test
    void writesReproduciblePngWithParameters() throws IOException {
        Path model = TestFixtures.path("golden/pipeline_tiny");
        Path a = dir.resolve("a.png"), b = dir.resolve("b.png");
        assertThat(CheckpointCliTest.run(args(model, a)).code()).isZero();
        assertThat(CheckpointCliTest.run(args(model, b)).code()).isZero();
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        var image = ImageIO.read(a.toFile());
        assertThat(image.getWidth()).isEqualTo(32);
        assertThat(image.getHeight()).isEqualTo(32);
        assertThat(PngWriter.readParameters(a)).startsWith("a photo of sks dog\nSteps: 4, Sampler: DDIM, CFG scale: 7.5, Seed: 1, Size: 32x32, Model hash: ");
        Path c = dir.resolve("c.png");
        String[] seed2 = args(model, c);
        seed2[java.util.Arrays.asList(seed2).indexOf("--seed") + 1] = "2";
        assertThat(CheckpointCliTest.run(seed2).code()).isZero();
        assertThat(Files.readAllBytes(c)).isNotEqualTo(Files.readAllBytes(a));
    }

    @Test
    void otherSchedulersAndBatchesWork() throws IOException {
        Path model = TestFixtures.path("golden/pipeline_tiny");
        for (String s : new String[] {"euler", "dpmpp2m", "pndm"}) {
            Path out = dir.resolve(s + ".png");
            var r = CheckpointCliTest.run(args(model, out, "--scheduler", s));
            assertThat(r.code()).as(s + ": " + r.err()).isZero();
            assertThat(ImageIO.read(out.toFile())).isNotNull();
        }
        Path grid = dir.resolve("grid.png");
        assertThat(CheckpointCliTest.run(args(model, grid, "-n", "2")).code()).isZero();
        assertThat(ImageIO.read(grid.toFile()).getWidth()).isEqualTo(64);
        assertThat(dir.resolve("grid-1.png")).exists();
        assertThat(dir.resolve("grid-2.png")).exists();
    }

    @Test
    void badInputExitsTwoAndWritesNothing() throws IOException {
        Path out = dir.resolve("out.png");
        var missing = CheckpointCliTest.run(args(dir.resolve("no-such-model"), out));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no-such-model");
        var scheduler = CheckpointCliTest.run(args(TestFixtures.path("golden/pipeline_tiny"), out, "--scheduler", "heun"));
        assertThat(scheduler.code()).isEqualTo(2);
        assertThat(scheduler.err()).contains("unknown scheduler 'heun'");

        // A copy of the pipeline whose text-encoder config says 3 layers while the weights have 2.
        Path copy = dir.resolve("mismatch");
        copyTree(TestFixtures.path("golden/pipeline_tiny"), copy);
        Path cfg = copy.resolve("text_encoder/config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        var mismatch = CheckpointCliTest.run(args(copy, out));
        assertThat(mismatch.code()).isEqualTo(2);
        assertThat(mismatch.err()).contains("weights do not match the model", "missing key", "text_model.encoder.layers.2.");
        assertThat(out).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void singleFileCheckpointSamplesWithConfigFolder() throws IOException {
        Path out = dir.resolve("single.png");
        var r = CheckpointCliTest.run("sample", "--model", TestFixtures.path("golden/ldm_single_file_tiny/tiny_sd1_ldm.safetensors").toString(),
                "--config", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompt", "a photo of sks dog", "--steps", "2",
                "--height", "64", "--width", "64", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).as("what the shapes cannot tell is announced").contains("tiny_sd1_ldm.safetensors has no configs; detected from its weights")
                .contains("UNet attention heads [").contains("norm_num_groups");
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(64);
        var noConfig = CheckpointCliTest.run("sample", "--model", TestFixtures.path("golden/ldm_single_file_tiny/tiny_sd1_ldm.safetensors").toString(),
                "--prompt", "x", "--out", dir.resolve("none.png").toString());
        assertThat(noConfig.code()).isEqualTo(2);
        assertThat(noConfig.err()).contains("--config");
    }

    @Test
    void longPromptIsTruncatedWithAWarning() {
        Path out = dir.resolve("long.png");
        String longPrompt = "a photo of a dog ".repeat(30);
        var r = CheckpointCliTest.run("sample", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompt", longPrompt,
                "--steps", "2", "--height", "32", "--width", "32", "--out", out.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("warning: the prompt has", "truncated");
        assertThat(out).exists();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }
}
