/*
 * CompareTest: on a world model pretrained here in miniature (Pretraining, test size), `compare`
 * trains each method through the sweep engine and writes one scored row per run (scores in
 * [0, 1], the method's parameters and ms/step), the plan it ran, the table with the methods'
 * sources and the equal-budget exclusions, and the plot; `world score --gate` reports each
 * threshold and exits 1 exactly when one is missed.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.cli.world.CompareCommand;
import dev.spectune.cli.world.SubjectViews;
import dev.spectune.pretrain.Pretraining;
import dev.spectune.pretrain.WorldModelSpec;
import dev.spectune.world.Caption;
import dev.spectune.world.Scene;
import dev.spectune.world.StripedToy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void pretrainAMiniatureWorldModel() throws Exception {
        Pretraining.Settings s = Pretraining.Settings.defaults(WorldModelSpec.TEST).withSeed(3).withWarmup(2)
                .withAutoencoder(new Pretraining.Settings.Autoencoder(4, 2, 1e-3, 1e-5))
                .withDiffusion(Pretraining.Settings.Diffusion.DEFAULT.withSteps(4).withBatch(2).withPrediction(Pretraining.Settings.EPSILON, 5.0).withEmaDecay(0.9))
                .withOutput(new Pretraining.Settings.Output(100, 1, DType.F32));
        model = new Pretraining(s, dir.resolve("pretrain"), new PrintStream(new ByteArrayOutputStream())).run(false).model();
    }

    @Test
    void compareScoresEveryRunAndWritesTheTableAndPlan() throws Exception {
        Path out = dir.resolve("compare");
        var r = CheckpointCliTest.run("compare", "--model", model.toString(), "--out", out.toString(), "--methods", "soda-svd,lora,svdiff,lidb",
                "--steps", "2", "--images-per-context", "1", "--sample-steps", "2");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        assertThat(csv.getFirst()).isEqualTo("method,setting,parameters,subject,subject_fidelity,prompt_fidelity,diversity,ms_per_step,seed,run");
        assertThat(csv).hasSizeGreaterThanOrEqualTo(1 + 3);
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",");
            assertThat(Long.parseLong(f[2])).as(row).isPositive();
            for (int i = 4; i <= 6; i++) assertThat(Double.parseDouble(f[i])).as(row).isBetween(0.0, 1.0);
            assertThat(Double.parseDouble(f[7])).as(row).isPositive();
            assertThat(out.resolve("images").resolve(f[9])).isDirectory();
        }
        assertThat(csv.stream().map(l -> l.split(",")[0]).toList()).contains("soda-svd", "lora", "svdiff", "lidb");
        // Each equal-budget run trained within ±10% of SODA-SVD's parameters (the counts the runs report).
        long soda = csv.stream().filter(l -> l.startsWith("soda-svd,default,")).mapToLong(l -> Long.parseLong(l.split(",")[2])).findFirst().orElseThrow();
        List<String> equal = csv.stream().filter(l -> l.split(",")[1].equals("equal")).toList();
        assertThat(equal).as("lora's equal-budget run").anyMatch(l -> l.startsWith("lora,"));
        for (String row : equal) assertThat((double) Long.parseLong(row.split(",")[2])).as(row).isBetween(0.9 * soda, 1.1 * soda);
        String md = Files.readString(out.resolve("compare.md"));
        assertThat(md).contains("| soda-svd | default |", "diffusers' train_dreambooth_lora.py", "svdiff: no rank to set", "At the equal budget by default");
        // LiDB's default (r = 1) may already be the equal budget: then it is planned once, never twice (the sweep refuses duplicates).
        assertThat(md.contains("| lidb | equal |") || md.contains("lidb (rank") || md.contains("lidb: no rank")).as(md).isTrue();
        assertThat(out.resolve("compare.png")).isRegularFile();
        assertThat(Files.readString(out.resolve("plan.yaml"))).contains("method: \"lora\"", "steps: \"2\"");
        assertThat(out.resolve("subjects/subject0/view00.txt")).isRegularFile();
    }

    @Test
    void anEqualBudgetsTargetsLeaveOutExactlyTheNamedAttentionModules() {
        var all = java.util.regex.Pattern.compile(CompareCommand.leaving(List.of()));
        var some = java.util.regex.Pattern.compile(CompareCommand.leaving(List.of("mid_block.attentions.0.transformer_blocks.0.attn2",
                "down_blocks.1.attentions.0.transformer_blocks.0.attn1")));
        for (String key : List.of("mid_block.attentions.0.transformer_blocks.0.attn2.to_q.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.weight")) {
            assertThat(all.matcher(key).matches()).as(key).isTrue();
            assertThat(some.matcher(key).matches()).as(key).isFalse();
        }
        for (String key : List.of("mid_block.attentions.0.transformer_blocks.0.attn1.to_q.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight",
                "up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_v.weight", "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight")) {
            assertThat(some.matcher(key).matches()).as(key).isTrue();
        }
        assertThat(some.matcher("mid_block.attentions.0.transformer_blocks.0.ff.net.2.weight").matches()).isFalse();
    }

    @Test
    void eachSubjectIsSampledInContextsWhoseBackgroundIsNotItsOwnColour() {
        assertThat(SubjectViews.CONTEXTS.getFirst()).isEqualTo("a photo of sks toy on a green background");         // the issue's own example
        assertThat(SubjectViews.contexts(SubjectViews.SUBJECTS.getFirst(), SubjectViews.IDENTIFIER)).isEqualTo(SubjectViews.CONTEXTS);
        for (StripedToy subject : SubjectViews.SUBJECTS) {
            List<String> contexts = SubjectViews.contexts(subject, SubjectViews.SECOND_IDENTIFIER);
            assertThat(contexts).hasSameSizeAs(SubjectViews.CONTEXTS);
            for (String c : contexts) {
                Scene scene = Caption.parse(c, java.util.Set.of(SubjectViews.SECOND_IDENTIFIER.split(" ")[0]));     // in the grammar, with the subject
                assertThat(scene.background()).as(c).isNotIn(subject.first(), subject.second());
            }
        }
        assertThat(SubjectViews.contexts(SubjectViews.SUBJECTS.get(1), SubjectViews.SECOND_IDENTIFIER).getFirst())
                .as("red and green stripes: green becomes the first colour no subject, view or context uses").isEqualTo("a photo of ohwx toy on a yellow background");
    }

    @Test
    void fusionTrainsTwoSubjectsApartAndScoresThemFused() throws Exception {
        Path out = dir.resolve("fusion");
        var r = CheckpointCliTest.run("compare", "--fusion", "--model", model.toString(), "--out", out.toString(), "--steps", "2", "--images-per-context", "1",
                "--sample-steps", "2");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("fusion.csv"));
        assertThat(csv).hasSize(1 + 3 * 2 * 3);                                                  // 3 methods × {single, sum, mean} × 2 subjects
        assertThat(Files.readString(out.resolve("plan.yaml"))).contains("spectral-columns: \"block:0\"", "spectral-columns: \"block:1\"", "ohwx toy");
        String md = Files.readString(out.resolve("fusion.md"));
        assertThat(md).contains("| spectral-a | sum |", "| lora | mean |", "The paper's claim");
        assertThat(md).containsPattern("claim \\(.*\\) (holds|does not hold|is not decided|is not tested)");
        assertThat(md).contains("Separation").containsPattern("spectral fusion blends (less than|more than|as much as) LoRA's");
        assertThat(csv.getFirst()).endsWith(",other_subject_fidelity");
        assertThat(csv.get(1).split(",")).as("every column filled but the joint scene of a single adapter").hasSize(7);
    }

    @Test
    void conditioningScoresTheImpliedImageWithOwnRolledAndEmptyCaptions() throws Exception {
        var r = CheckpointCliTest.run("world", "conditioning", "--model", model.toString(), "--batch", "2", "--timesteps", "900,100", "--repeats", "1");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = r.out().lines().filter(l -> l.matches("\\s*\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+-?[0-9.]+%")).toList();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).strip()).startsWith("900");
        double own900 = Double.parseDouble(rows.get(0).strip().split("\\s+")[1]), own100 = Double.parseDouble(rows.get(1).strip().split("\\s+")[1]);
        assertThat(own100).as("less noise, a better implied image").isLessThan(own900);

        var bad = CheckpointCliTest.run("world", "conditioning", "--model", model.toString(), "--timesteps", "1000");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--timesteps", "1000");
    }

    @Test
    void theGateReportsEachThresholdAndFailsWhenOneIsMissed() throws Exception {
        Path out = dir.resolve("gate");
        var r = CheckpointCliTest.run("world", "score", "--model", model.toString(), "--gate", "--gate-prompts", "2", "--seeds", "1", "--sample-steps", "2",
                "--out", out.toString());
        JsonNode s = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        boolean passed = s.path("gate").path("passed").asBoolean();
        for (String a : List.of("background_colour", "object_colour", "shape")) {
            JsonNode g = s.path("gate").path(a);
            assertThat(g.path("value").asDouble()).as(a).isBetween(0.0, 1.0);
            assertThat(g.path("passed").asBoolean()).isEqualTo(g.path("value").asDouble() >= g.path("threshold").asDouble());
            passed &= g.path("passed").asBoolean();
        }
        assertThat(r.code()).isEqualTo(passed ? 0 : 1);
        assertThat(s.path("per_prompt")).hasSize(2);
        assertThat(s.path("per_prompt").get(0).path("prompt").asText()).matches("an? \\w+ \\w+ on an? \\w+ background");
    }
}
