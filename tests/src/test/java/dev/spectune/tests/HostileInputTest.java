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

    /** A target regex that backtracks without end (java.util.regex tries ((.+)+)+ every way on a key it does not match) is refused naming the file and field, not run for ever. */
    @Test
    void aCatastrophicTargetRegexIsStoppedNamingTheFileAndField() throws Exception {
        Path adapter = Files.createDirectories(dir.resolve("adapter"));
        Files.writeString(adapter.resolve(AdapterDirectory.CONFIG), """
                {"peft_type": "LORA", "r": 1, "lora_alpha": 1, "target_modules": "((.+)+)+Z"}
                """);
        String key = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(adapter.resolve(AdapterDirectory.WEIGHTS), List.of(
                dev.spectune.checkpoint.safetensors.Tensor.ofFloats("base_model.model." + key + ".lora_A.weight", new float[] {1, 1}, 1, 2),
                dev.spectune.checkpoint.safetensors.Tensor.ofFloats("base_model.model." + key + ".lora_B.weight", new float[] {1, 1}, 2, 1)), java.util.Map.of());
        AdapterDirectory.Saved saved = AdapterDirectory.read(adapter);
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        sd.constant(key + ".weight", org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 2));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> AdapterDirectory.apply(sd, saved)).isInstanceOf(CheckpointException.class)
                        .hasMessageContaining(AdapterDirectory.CONFIG).hasMessageContaining("target_modules").hasMessageContaining("backtracks catastrophically")
                        .hasMessageContaining(key));
        assertThat(dev.spectune.adapters.BoundedRegex.matches(java.util.regex.Pattern.compile(".*attn1\\.to_q\\.weight"), key + ".weight")).isTrue();
    }

    /** Damaged images and a caption that is not UTF-8 are all named, before the model (here absent) is looked at; nothing is written. */
    @Test
    void badImagesAndCaptionsAreAllNamedBeforeTheModelIsRead() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(3);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, random.nextInt(1 << 24));
        javax.imageio.ImageIO.write(img, "jpeg", images.resolve("good.jpg").toFile());
        byte[] whole = Files.readAllBytes(images.resolve("good.jpg"));
        Files.write(images.resolve("cut.jpg"), java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(images.resolve("text.png"), "not an image");
        Path out = dir.resolve("run");
        CheckpointCliTest.Run r = CheckpointCliTest.run("train", "--model", dir.resolve("absent-model").toString(), "--images", images.toString(),
                "--prompt", "p", "--resolution", "32", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("2 of 3 images cannot be used").contains(images.resolve("cut.jpg") + ": ").contains("truncated or damaged")
                .contains(images.resolve("text.png") + ": not a JPEG or PNG image").doesNotContain("absent-model");
        assertThat(out).as("nothing written").doesNotExist();

        Files.delete(images.resolve("cut.jpg"));
        Files.delete(images.resolve("text.png"));
        Files.write(images.resolve("good.txt"), new byte[] {'a', ' ', (byte) 0xE9, 't', 'e'});          // Latin-1 "a été"
        CheckpointCliTest.Run caption = CheckpointCliTest.run("train", "--model", dir.resolve("absent-model").toString(), "--images", images.toString(),
                "--prompt", "p", "--resolution", "32", "--out", out.toString());
        assertThat(caption.code()).isEqualTo(2);
        assertThat(caption.err()).contains(images.resolve("good.txt") + ": the caption is not UTF-8 text").doesNotContain("Input length");
    }

    /** Sizes a config cannot have (no groups, no heads, negative channels) are named with the file and field, not "/ by zero" or "-16". */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', value = {
            "unet/config.json; \"norm_num_groups\": 8; \"norm_num_groups\": 0; norm_num_groups must be >= 1, found 0",
            "unet/config.json; \"attention_head_dim\": 8; \"attention_head_dim\": 0; must be >= 1, found 0",
            "vae/config.json; \"norm_num_groups\": 8; \"norm_num_groups\": 0; norm_num_groups must be >= 1, found 0"})
    void impossibleConfigSizesAreNamed(String file, String from, String to, String message) throws Exception {
        Path pipe = pipelineWith(p -> {
            try {
                Path config = p.resolve(file);
                String text = Files.readString(config);
                assertThat(text).contains(from);
                Files.delete(config);                                                              // a link into ../shared: replaced, never written through
                Files.writeString(config, text.replace(from, to));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CheckpointCliTest.Run r = CheckpointCliTest.run("sample", "--model", pipe.toString(), "--prompt", "p", "--out", dir.resolve("x.png").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file + ": ").contains(message).doesNotContain("by zero");
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    /** A finite but absurd guidance overflows the latents: sampling stops at that step, names it, and writes no black image. */
    @Test
    void latentsThatTurnNonFiniteStopSamplingAtTheirStep() {
        Path png = dir.resolve("x.png");
        CheckpointCliTest.Run r = CheckpointCliTest.run("sample", "--model", TestFixtures.path("golden/pipeline_tiny").toString(), "--prompt", "p",
                "--guidance", "1e38", "--steps", "2", "--height", "64", "--width", "64", "--out", png.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).containsPattern("step 1 of 2 \\(t = \\d+\\): the latents became (NaN|infinite)").contains("no image was written");
        assertThat(png).doesNotExist();
    }

    /** A learning rate that blows the adapter up: the step whose loss is NaN stops the run, naming the first UNet op that went non-finite and the weights it reads. */
    @Test
    void aNonFiniteLossNamesTheFirstLayerThatWentNonFinite() {
        CheckpointCliTest.Run r = CheckpointCliTest.run("train", "--model", TestFixtures.path("golden/pipeline_tiny").toString(),
                "--images", TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(), "--prompt", "a photo of sks dog", "--method", "lora",
                "--resolution", "32", "--steps", "4", "--lr", "1e30", "--max-grad-norm", "1e30", "--out", dir.resolve("run").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("step 2: the training loss is NaN; stopped before updating the adapter")
                .containsPattern("the first non-finite value in the UNet: op '[^']+' \\(\\w+\\) gave (NaN|∞) in '[^']+', reading \\[[^]]*lora_[AB]\\.weight");
        assertThat(dir.resolve("run/adapter")).doesNotExist();
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

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--targets|to_q[|UNet targets (--targets) regex 'to_q[' is invalid",
            "--lr-scheduler|cosine_forever|unknown lr schedule 'cosine_forever'"})
    void badTrainingSettingsAreRefusedBeforeTheModelLoads(String option, String value, String message) {
        CheckpointCliTest.Run r = CheckpointCliTest.run("train", "--model", dir.resolve("absent").toString(), "--images", "i", "--prompt", "p",
                "--out", dir.resolve("run").toString(), option, value);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("absent");
    }

    @Test
    void aFileAsTheRunFolderIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        CheckpointCliTest.Run r = CheckpointCliTest.run("train", "--model", "m", "--images", "i", "--prompt", "p", "--out", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(file.toString()).contains("is a file");
        assertThat(Files.readString(file)).isEqualTo("mine");
    }

    /** pipeline_tiny mirrored by links, with some of its files replaced. */
    private Path pipelineWith(java.util.function.Consumer<Path> change) throws Exception {
        Path golden = TestFixtures.path("golden/pipeline_tiny"), copy = dir.resolve("pipe");
        try (var walk = Files.walk(golden)) {
            for (Path p : walk.toList()) {
                Path target = copy.resolve(golden.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.createSymbolicLink(target, p);
            }
        }
        change.accept(copy);
        return copy;
    }

    @Test
    void aPipelineFolderWithoutItsUNetConfigIsRefusedNotGuessed() throws Exception {
        Path pipe = pipelineWith(p -> {
            try {
                Files.delete(p.resolve("unet/config.json"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CheckpointCliTest.Run r = CheckpointCliTest.run("sample", "--model", pipe.toString(), "--prompt", "p", "--out", dir.resolve("x.png").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unet/config.json").contains("missing");
        assertThat(Files.exists(dir.resolve("x.png"))).isFalse();
    }

    /** Issue 17, item 1: a size that cannot fit is refused before any weight or image is read, with the estimate and a size that fits. */
    @Test
    void aSizeThatCannotFitIsRefusedUpFrontWithTheEstimate() throws Exception {
        String tiny = TestFixtures.path("golden/pipeline_tiny").toString();
        Path png = dir.resolve("big.png");
        CheckpointCliTest.Run r = CheckpointCliTest.run("sample", "--model", tiny, "--prompt", "p", "--steps", "1", "--height", "16384", "--width", "16384",
                "--out", png.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("not enough memory for sampling at 16384x16384").containsPattern("needs about [0-9.]+ GiB")
                .containsPattern("sampling at \\d+x\\d+ fits").contains("--height/--width");
        assertThat(Files.exists(png)).isFalse();

        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("notes.txt"), "mine");
        r = CheckpointCliTest.run("train", "--model", tiny, "--images", TestFixtures.path("artifacts/dreambooth/dataset/dog").toString(),
                "--prompt", "a photo of sks dog", "--steps", "1", "--resolution", "16384", "--out", run.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("not enough memory for training at 16384x16384").containsPattern("training at \\d+x\\d+ fits")
                .contains("--resolution");
        try (var files = Files.list(run)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("notes.txt");
        }
        assertThat(Files.readString(run.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void nonFiniteModelWeightsAreRefusedByName() throws Exception {
        Path pipe = pipelineWith(p -> {
            Path weights = p.resolve("unet/diffusion_pytorch_model.safetensors");
            try {
                Path original = Files.readSymbolicLink(weights);
                Files.delete(weights);
                List<dev.spectune.checkpoint.safetensors.Tensor> tensors = new java.util.ArrayList<>();
                try (var f = dev.spectune.checkpoint.safetensors.SafetensorsFile.open(original)) {
                    for (String n : f.names()) {
                        byte[] raw = f.raw(n).clone();
                        if (n.equals("conv_in.bias")) java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN);
                        tensors.add(new dev.spectune.checkpoint.safetensors.Tensor(n, f.info(n).dtype(), f.info(n).shape(), raw));
                    }
                    dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(weights, tensors, f.metadata());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CheckpointCliTest.Run r = CheckpointCliTest.run("sample", "--model", pipe.toString(), "--prompt", "p", "--steps", "1", "--out", dir.resolve("x.png").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("conv_in.bias").contains("NaN");
        assertThat(Files.exists(dir.resolve("x.png"))).as("no black image written").isFalse();
    }

    @Test
    void aKohyaAlphaOfZeroMeansTheRankAsInSdScripts() throws Exception {
        Path zero = dir.resolve("zero.safetensors"), none = dir.resolve("none.safetensors");
        String module = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
        float[] down = new float[2 * 32], up = new float[32 * 2];
        for (int i = 0; i < down.length; i++) down[i] = (i % 7) * 0.01f;
        for (int i = 0; i < up.length; i++) up[i] = (i % 5) * 0.02f;
        var a = dev.spectune.checkpoint.safetensors.Tensor.ofFloats(module + ".lora_down.weight", down, 2, 32);
        var b = dev.spectune.checkpoint.safetensors.Tensor.ofFloats(module + ".lora_up.weight", up, 32, 2);
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(zero, List.of(a, b,
                dev.spectune.checkpoint.safetensors.Tensor.ofFloats(module + ".alpha", new float[] {0}, new long[0])), java.util.Map.of());
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(none, List.of(a, b), java.util.Map.of());
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(TestFixtures.path("golden/pipeline_tiny"), null)) {
            var fromZero = AdapterMerge.load(zero, pipe.component("unet"), pipe.component("vae"));
            var fromNone = AdapterMerge.load(none, pipe.component("unet"), pipe.component("vae"));
            String key = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight";
            assertThat(fromZero.get(key).amaxNumber().doubleValue()).as("not zeroed").isGreaterThan(0);
            assertThat(fromZero.get(key)).isEqualTo(fromNone.get(key));
        }
    }

    @Test
    void anAdapterTensorHoldingNaNIsRefusedByName() throws Exception {
        Path adapter = Files.createDirectories(dir.resolve("nan-adapter"));
        Files.writeString(adapter.resolve(AdapterDirectory.CONFIG), "{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 1, \"target_modules\": [\"a\"]}");
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.write(adapter.resolve(AdapterDirectory.WEIGHTS), List.of(
                dev.spectune.checkpoint.safetensors.Tensor.ofFloats("base_model.model.a.lora_A.weight", new float[] {Float.NaN}, 1, 1)), java.util.Map.of());
        assertThatThrownBy(() -> AdapterDirectory.read(adapter)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("base_model.model.a.lora_A.weight").hasMessageContaining("NaN");
    }
}
