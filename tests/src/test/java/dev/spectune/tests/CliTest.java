/*
 * CliTest: the command line as a user meets it — help lists the commands, --version names the
 * ND4J build, the demo prints its checks with small errors, bad usage exits 2.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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
    void demoShowsExactIdentityAtInitAndOrthogonalRotation() {
        CheckpointCliTest.Run r = run("demo");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(number(r.out(), "SODA at init \\(delta = 0, R = I\\): \\|\\|W - W0\\|\\| / \\|\\|W0\\|\\| = (\\S+)")).isLessThan(1e-12);
        assertThat(number(r.out(), "orthogonality error (\\S+),")).isLessThan(1e-12);
        assertThat(number(r.out(), "within (\\S+) of ReLU")).isLessThan(1e-10);
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
