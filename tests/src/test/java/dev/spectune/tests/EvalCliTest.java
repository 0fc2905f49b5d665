/*
 * EvalCliTest: `spectune eval` end to end with the tiny golden CLIP and DINO models standing in for
 * the real ones (golden/eval: the numbers are meaningless, the wiring is not). Fed the golden
 * folders' own split — red_cartoon and vase photos plus the synthetic image as "generated", the dog
 * photos as "reference", the stored prompts by manifest — it must give transformers' CLIP-I,
 * CLIP-T and DINO; and a bad option or image folder exits 2 before any model is read.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.testing.TestFixtures;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCliTest {

    @Test
    void theGoldenSplitGivesTransformersScores(@TempDir Path dir) throws Exception {
        Path eval = TestFixtures.path("golden/eval"), dataset = TestFixtures.path("artifacts/dreambooth/dataset");
        JsonNode metric = new ObjectMapper().readTree(eval.resolve("clip_tiny/metric.json").toFile());
        Path generated = Files.createDirectories(dir.resolve("generated"));
        Map<String, String> prompts = new LinkedHashMap<>();
        long[] genPrompt;
        try (SafetensorsFile io = SafetensorsFile.open(eval.resolve("clip_tiny/io.safetensors"))) {
            genPrompt = io.longs("gen_prompt_idx");
            long[] shape = io.info("synthetic_u8").shape();                                        // [H, W, 3]
            long[] u8 = io.longs("synthetic_u8");
            BufferedImage img = new BufferedImage((int) shape[1], (int) shape[0], BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < shape[0]; y++) for (int x = 0; x < shape[1]; x++) {
                int i = (int) ((y * shape[1] + x) * 3);
                img.setRGB(x, y, (int) (u8[i] << 16 | u8[i + 1] << 8 | u8[i + 2]));
            }
            javax.imageio.ImageIO.write(img, "png", generated.resolve("z_synthetic.png").toFile());
        }
        String[] names = {"red_cartoon/00.jpg", "red_cartoon/01.jpg", "red_cartoon/02.jpg", "red_cartoon/03.jpg", "vase/00.jpg", "vase/01.jpg",
                "vase/02.jpg", "vase/03.jpg", "vase/04.jpg", "vase/05.jpg", null};
        for (int g = 0; g < names.length; g++) {
            String file = names[g] == null ? "z_synthetic.png" : names[g].replace('/', '_');
            if (names[g] != null) Files.copy(dataset.resolve(names[g]), generated.resolve(file));
            prompts.put(file, metric.path("prompts").get((int) genPrompt[g]).path("text").asText());
        }
        Path manifest = Files.writeString(dir.resolve("prompts.json"), new ObjectMapper().writeValueAsString(prompts));
        Path out = dir.resolve("scores");
        CheckpointCliTest.Run r = CheckpointCliTest.run("eval", "--generated", generated.toString(), "--reference", dataset.resolve("dog").toString(),
                "--prompts", manifest.toString(), "--clip-t-prompt", "as-given", "--clip", eval.resolve("clip_tiny").toString(),
                "--dino", eval.resolve("dino_vit_tiny").toString(), "--out", out.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        JsonNode scores = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        try (SafetensorsFile clip = SafetensorsFile.open(eval.resolve("clip_tiny/io.safetensors"));
             SafetensorsFile dino = SafetensorsFile.open(eval.resolve("dino_vit_tiny/io.safetensors"))) {
            assertThat(scores.path("clip_i").asDouble()).isCloseTo(clip.doubles("clip_i_f64")[0], within(1e-5));
            assertThat(scores.path("clip_t").asDouble()).isCloseTo(clip.doubles("clip_t_f64")[0], within(1e-5));
            assertThat(scores.path("dino").asDouble()).isCloseTo(dino.doubles("dino_f64")[0], within(1e-5));
        }
        assertThat(scores.path("per_image")).hasSize(11);
        assertThat(scores.path("per_prompt")).hasSize(3);
        assertThat(Files.readAllLines(out.resolve("scores.csv"))).hasSize(12).first().isEqualTo("file,prompt,clip_i,clip_t,dino");
        assertThat(Files.readString(out.resolve("scores.md"))).contains("CLIP-I").contains("| 11 |");
    }

    @Test
    void badInputIsRefusedBeforeAnyModelIsRead(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CheckpointCliTest.Run r = CheckpointCliTest.run("eval", "--generated", empty.toString(), "--reference", empty.toString(),
                "--clip", dir.resolve("no-clip").toString(), "--dino", dir.resolve("no-dino").toString(), "--out", dir.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--generated").contains("no .png or .jpg images").doesNotContain("no-clip");
        r = CheckpointCliTest.run("eval", "--generated", empty.toString(), "--reference", empty.toString(), "--clip-t-prompt", "strip",
                "--clip", "c", "--dino", "d", "--out", dir.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--clip-t-prompt must be without-identifier or as-given");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void theIdentifierIsRemovedForClipT() {
        assertThat(dev.spectune.evaluation.DreamBoothEval.clipTPrompt("a sks dog on the beach", "sks")).isEqualTo("a dog on the beach");
        assertThat(dev.spectune.evaluation.DreamBoothEval.clipTPrompt("sks dog", "sks")).isEqualTo("dog");
        assertThat(dev.spectune.evaluation.DreamBoothEval.clipTPrompt("a sksy dog", "sks")).isEqualTo("a sksy dog");
        assertThat(dev.spectune.evaluation.DreamBoothEval.clipTPrompt("a sks dog", null)).isEqualTo("a sks dog");
    }

    /** eval dreambooth: the subject's live prompts (a dog), seeded images from the tiny pipeline, scored by the tiny metric models. */
    @Test
    void theDreamBoothProtocolGeneratesAndScores(@TempDir Path dir) throws Exception {
        Path eval = TestFixtures.path("golden/eval"), out = dir.resolve("row");
        CheckpointCliTest.Run r = CheckpointCliTest.run("eval", "dreambooth", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--subject", "dog",
                "--reference", TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(), "--clip", eval.resolve("clip_tiny").toString(),
                "--dino", eval.resolve("dino_vit_tiny").toString(), "--prompts", "2", "--images-per-prompt", "2", "--steps", "2", "--resolution", "32",
                "--out", out.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("prompts.json").toFile());
        assertThat(manifest.path("00-0.png").asText()).isEqualTo("a sks dog in the jungle");
        assertThat(manifest.path("01-1.png").asText()).isEqualTo("a sks dog in the snow");
        try (var images = Files.list(out.resolve("images"))) {
            assertThat(images.count()).isEqualTo(4);
        }
        JsonNode scores = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        for (String k : new String[] {"clip_i", "clip_t", "dino"}) assertThat(scores.path(k).asDouble()).as(k).isBetween(-1.0, 1.0);
        assertThat(scores.path("per_prompt")).hasSize(2);
        assertThat(r.out()).contains("dog (dog): 2 prompts × 2 images vs 5 photos");
    }

    /** eval aggregate: mean ± sample std over subjects' scores.json; a folder without one is named. */
    @Test
    void subjectsAggregateToMeanAndStd(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("dog")), b = Files.createDirectories(dir.resolve("vase"));
        Files.writeString(a.resolve("scores.json"), "{\"clip_i\": 0.8, \"clip_t\": 0.3, \"dino\": 0.6}");
        Files.writeString(b.resolve("scores.json"), "{\"clip_i\": 0.6, \"clip_t\": 0.1, \"dino\": 0.4}");
        CheckpointCliTest.Run r = CheckpointCliTest.run("eval", "aggregate", "--out", dir.resolve("row").toString(), a.toString(), b.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode row = new ObjectMapper().readTree(dir.resolve("row/aggregate.json").toFile());
        assertThat(row.path("clip_i").path("mean").asDouble()).isCloseTo(0.7, within(1e-12));
        assertThat(row.path("dino").path("std").asDouble()).isCloseTo(Math.sqrt(0.02), within(1e-12));
        assertThat(Files.readString(dir.resolve("row/aggregate.md"))).contains("| 2 | 0.700000 ± 0.141421");
        r = CheckpointCliTest.run("eval", "aggregate", "--out", dir.resolve("row2").toString(), a.toString(), dir.resolve("missing").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("missing/scores.json: no scores.json");
    }

    /** train --eval-every: the validation prompts scored during training, one eval.csv row per evaluation. */
    @Test
    void trainingRecordsScoresEveryNSteps(@TempDir Path dir) throws Exception {
        Path eval = TestFixtures.path("golden/eval"), out = dir.resolve("run");
        CheckpointCliTest.Run r = CheckpointCliTest.run(TrainCliTest.args(out, "--eval-every", "1", "--eval-clip", eval.resolve("clip_tiny").toString(),
                "--eval-dino", eval.resolve("dino_vit_tiny").toString()));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        var lines = Files.readAllLines(out.resolve("eval.csv"));
        assertThat(lines).hasSize(3).first().isEqualTo("step,clip_i,clip_t,dino");
        assertThat(lines.get(1)).startsWith("1,");
        assertThat(lines.get(2)).startsWith("2,");
        assertThat(r.out()).contains("eval step 2: CLIP-I");
        r = CheckpointCliTest.run(TrainCliTest.args(dir.resolve("run2"), "--eval-every", "1"));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--eval-every needs --eval-clip and --eval-dino");
    }
}
