/*
 * CheckpointCliTest: `inspect` on the golden single file and its diffusers twin (same counts),
 * `inspect --check` on a download with a right and a wrong checksum, and `parity tokenizer` on the
 * golden folder (64/64 exact, exit 0) and on a corrupted copy (exit 1).
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.cli.Main;
import dev.spectune.testing.TestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckpointCliTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        PrintStream originalOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            CommandLine cli = Main.commandLine();
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new Run(code, captured.toString(StandardCharsets.UTF_8), err + capturedErr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void inspectSingleFileAndTwinAgree() {
        Path folder = TestFixtures.path("golden/ldm_single_file_tiny");
        Run single = run("inspect", folder.resolve("tiny_sd1_ldm.safetensors").toString());
        Run twin = run("inspect", folder.resolve("diffusers").toString());
        assertThat(single.code()).as(single.err()).isZero();
        assertThat(twin.code()).as(twin.err()).isZero();
        assertThat(single.out()).contains("single-file CompVis/LDM checkpoint", "958 tensors", "1,651,317 parameters");
        for (String line : new String[] {"unet              682 tensors       1,086,692", "vae               240 tensors         516,519",
                "text_encoder       36 tensors          48,106"}) {
            assertThat(single.out()).contains(line);
            assertThat(twin.out()).contains(line);
        }
        Run keys = run("inspect", "--keys", folder.resolve("diffusers/vae").toString());
        assertThat(keys.out()).contains("decoder.mid_block.attentions.0.to_q.weight [32, 32] F32");
    }

    @Test
    void inspectCheckVerifiesSizesAndHashes() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model/unet"));
        Files.writeString(model.resolve("a.safetensors"), "hello");
        Path weights = dir.resolve("WEIGHTS.txt");
        Files.writeString(weights, "# test\nfile bytes sha256\nunet/a.safetensors 5 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"
                + "vae/b.safetensors 10 00\n");
        Run ok = run("inspect", dir.resolve("model").toString(), "--check", weights.toString());
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).contains("ok        unet/a.safetensors", "absent    vae/b.safetensors", "check: 1 verified, 0 mismatched");
        Files.writeString(model.resolve("a.safetensors"), "jello");
        Run bad = run("inspect", dir.resolve("model").toString(), "--check", weights.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out()).contains("MISMATCH  unet/a.safetensors: sha256");
    }

    @Test
    void inspectRefusesMissingPathWithUsageCode() {
        Run r = run("inspect", dir.resolve("absent").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("absent", "no such file");
    }

    @Test
    void parityTokenizerAllExactAndFailsOnCorruptedGolden() throws IOException {
        Path golden = TestFixtures.path("golden/tokenizer");
        Run r = run("parity", "tokenizer", golden.toString());
        assertThat(r.code()).as(r.err()).isZero();
        int lines = dev.spectune.parity.ParityKind.TOKENIZER.certified().get(0).lines();
        assertThat(r.out().strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith("parity tokenizer: " + lines + "/" + lines + " within tolerance");
        assertThat(r.out().lines().filter(l -> l.contains(" FAIL")).count()).isZero();

        Path copy = Files.createDirectories(dir.resolve("tok"));
        for (String sub : new String[] {"clip_full", "clip_tiny1000"}) {
            Files.createDirectories(copy.resolve(sub));
            try (var files = Files.list(golden.resolve(sub))) {
                for (Path f : files.toList()) Files.copy(f, copy.resolve(sub).resolve(f.getFileName()));
            }
        }
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = mapper.readTree(golden.resolve("tokenizer_golden.json").toFile());
        var ids = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("rows").get(1).get("hf_full_ids");
        ids.set(1, ids.get(1).intValue() + 1);                                  // "a": 320 → 321
        mapper.writeValue(copy.resolve("tokenizer_golden.json").toFile(), root);
        Run bad = run("parity", "tokenizer", copy.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out().lines().filter(l -> l.endsWith("FAIL  expected [49406, 321, 49407] got [49406, 320, 49407]")))
                .singleElement().asString().startsWith("row  1 \"a\" hf_full_ids ");
    }

    @Test
    void randomPipelineHasTheStateDictsOfItsConfigs() throws IOException {
        Path golden = TestFixtures.path("golden/pipeline_tiny");
        Path out = dir.resolve("random");
        Run made = run("random-pipeline", "--config", golden.toString(), "--out", out.toString(), "--seed", "3");
        assertThat(made.code()).as(made.err()).isZero();
        Run mine = run("inspect", out.toString()), theirs = run("inspect", golden.toString());
        assertThat(mine.code()).as(mine.err()).isZero();
        for (String component : new String[] {"unet", "vae", "text_encoder"}) {                  // same keys, shapes, parameter counts
            String line = theirs.out().lines().filter(l -> l.trim().startsWith(component + " ")).findFirst().orElseThrow();
            assertThat(mine.out()).contains(line.substring(0, line.indexOf("dtypes")));
        }
        assertThat(out.resolve("tokenizer/vocab.json")).exists();
        Run again = run("random-pipeline", "--config", golden.toString(), "--out", out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains(out.toString(), "not an empty folder");
        assertThat(out.resolve("unet/diffusion_pytorch_model.safetensors")).exists();             // nothing of the first run lost
    }
}
