/*
 * CliTest: the command line as a user meets it — help lists the commands, --version names the
 * ND4J build, the demo trains the embedded model and writes its samples, bad usage exits 2.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    private static CheckpointCliTest.Run run(String... args) {
        return CheckpointCliTest.run(args);
    }

    @Test
    void helpListsCommands() {
        CheckpointCliTest.Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo", "bench");
    }

    @Test
    void versionNamesNd4jBuildAndCpu() {
        CheckpointCliTest.Run r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("spectune 0.1.0", "ND4J: 1.0.0-M2.1", "native build ", "CPU: ");
        assertThat(r.out()).containsPattern("native build (generic|onednn-avx2)");
    }

    @Test
    void demoTeachesTheEmbeddedWorldModelTheSubjectAndScoresBeforeAndAfter(@TempDir Path dir) throws Exception {
        Path model = Path.of("..", "models", "world").toAbsolutePath().normalize();                    // the embedded default, as bin/spectune finds it
        CheckpointCliTest.Run r = run("demo", "--model", model.toString(), "--steps", "6", "--seeds", "1", "--sample-steps", "4", "--out", dir.toString());
        System.out.println(r.out());
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"before.png", "after.png", "metrics.json", "images/view00.png", "images/view00.txt", "run/log.csv", "run/run.json",
                "run/adapter/adapter_config.json", "run/adapter/adapter_model.safetensors"}) {
            assertThat(dir.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.readString(dir.resolve("images/view00.txt"))).contains("sks toy");
        assertThat(Files.readAllLines(dir.resolve("run/log.csv"))).hasSize(7);
        var metrics = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        for (String phase : new String[] {"before", "after"}) {
            for (String score : new String[] {"subject_fidelity", "prompt_fidelity"}) {
                assertThat(metrics.get(phase).get(score).asDouble()).as(phase + " " + score).isBetween(0.0, 1.0);
                assertThat(r.out()).contains(phase);
            }
        }
        assertThat(Files.readAllBytes(dir.resolve("after.png"))).as("the adapter changes the samples").isNotEqualTo(Files.readAllBytes(dir.resolve("before.png")));

        CheckpointCliTest.Run again = run("demo", "--model", model.toString(), "--steps", "3", "--seeds", "1", "--sample-steps", "2", "--out", dir.toString());
        assertThat(again.code()).as(again.err()).isZero();                                             // other steps: the demo's folder is its own
        assertThat(Files.readAllLines(dir.resolve("run/log.csv"))).hasSize(4);
    }

    @Test
    void unknownCommandIsAUsageError() {
        CheckpointCliTest.Run r = run("no-such-command");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-command");
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("output contains /" + regex + "/:\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
