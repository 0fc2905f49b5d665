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
    void demoTrainsTheEmbeddedModelAndSamplesBeforeAndAfter(@TempDir Path dir) throws Exception {
        CheckpointCliTest.Run r = run("demo", "--steps", "8", "--out", dir.toString());
        System.out.println(r.out());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(number(r.out(), "loss curve: first \\d+ steps mean (\\S+),")).isPositive();
        assertThat(number(r.out(), "fixed-noise evaluation loss (\\S+) ->")).isPositive();
        for (String f : new String[] {"before.png", "after.png", "run/loss_curve.png", "run/log.csv", "run/run.json",
                "run/adapter/adapter_config.json", "run/adapter/adapter_model.safetensors"}) {
            assertThat(dir.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.readAllLines(dir.resolve("run/log.csv"))).hasSize(9);
        assertThat(Files.readAllBytes(dir.resolve("after.png"))).as("the adapter changes the sample").isNotEqualTo(Files.readAllBytes(dir.resolve("before.png")));

        CheckpointCliTest.Run again = run("demo", "--steps", "4", "--out", dir.toString());                // other steps: the demo's folder is its own
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("run/log.csv"))).hasSize(5);
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
