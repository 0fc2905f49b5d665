/*
 * CliTest: the command line as a user meets it — help lists the commands, --version names the
 * ND4J build, the demo prints its checks with small errors, bad usage exits 2.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {

    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintStream originalOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(originalOut);
        }
        return new Run(code, out + captured.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void helpListsCommands() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo", "bench");
    }

    @Test
    void versionNamesNd4jBuildAndCpu() {
        Run r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("spectune 0.1.0", "ND4J: 1.0.0-M2.1", "native build ", "CPU: ");
        assertThat(r.out()).containsPattern("native build (generic|onednn-avx2)");
    }

    @Test
    void demoShowsExactIdentityAtInitAndOrthogonalRotation() {
        Run r = run("demo");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(number(r.out(), "SODA at init \\(delta = 0, R = I\\): \\|\\|W - W0\\|\\| / \\|\\|W0\\|\\| = (\\S+)")).isLessThan(1e-12);
        assertThat(number(r.out(), "orthogonality error (\\S+),")).isLessThan(1e-12);
        assertThat(number(r.out(), "within (\\S+) of ReLU")).isLessThan(1e-10);
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("no-such-command");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no-such-command");
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("output contains /" + regex + "/:\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
