/*
 * SweepEnginesTest: the example plan (examples/sweep-tiny.yaml: 2 methods × 2 seeds on the tiny
 * pipeline) on engine local and on engine spark with local[2,2] gives the same results table
 * apart from the timing columns and bit-identical adapters for the same run ids; a run whose child
 * JVM is killed mid-run under Spark is retried and ends with the adapter the uninterrupted run
 * gave; the JVM options this module keeps for Spark are Spark's own list.
 */
package dev.spectune.sweep.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.cli.Main;
import dev.spectune.cli.sweep.SweepPlan;
import dev.spectune.cli.sweep.SweepResults;
import dev.spectune.cli.sweep.SweepRun;
import dev.spectune.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepEnginesTest {

    @TempDir
    static Path dir;
    static Path example, local;
    static List<SweepRun> runs;

    @BeforeAll
    static void localSweep() throws Exception {
        TestFixtures.path("golden/pipeline_tiny");                                            // the fixtures are there (the plan reads them by relative path)
        example = Path.of(System.getenv("SPECTUNE_ROOT"), "examples", "sweep-tiny.yaml");
        runs = SweepRun.allOf(SweepPlan.read(example));
        local = dir.resolve("local");
        assertThat(sweep("--plan", example.toString(), "--out", local.toString())).isZero();
    }

    static int sweep(String... args) {
        List<String> a = new ArrayList<>(List.of("sweep"));
        a.addAll(List.of(args));
        return Main.commandLine().execute(a.toArray(String[]::new));
    }

    /** results.csv without the columns that depend on the machine and the moment. */
    static List<String> withoutTiming(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(",", -1);
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < f.length; i++) if (!SweepResults.TIMING.contains(header.get(i))) kept.add(f[i]);
            out.add(String.join(",", kept));
        }
        return out;
    }

    static byte[] adapter(Path sweep, String id) throws Exception {
        return Files.readAllBytes(sweep.resolve("runs").resolve(id).resolve("adapter/adapter_model.safetensors"));
    }

    @Test
    void sparkGivesTheLocalEnginesTableAndAdapters() throws Exception {
        Path spark = dir.resolve("spark");
        assertThat(sweep("--plan", example.toString(), "--out", spark.toString(), "--engine", "spark", "--master", "local[2,2]")).isZero();
        assertThat(runs).hasSize(4);
        List<String> table = withoutTiming(local.resolve("results.csv"));
        assertThat(table).hasSize(5);
        assertThat(table.get(0)).contains("method", "seed", "status", "eval_loss_after").doesNotContain("ms_per_step");
        assertThat(withoutTiming(spark.resolve("results.csv"))).containsExactlyElementsOf(table);
        for (SweepRun r : runs) {
            assertThat(adapter(spark, r.id())).as("adapter of run " + r.id()).isEqualTo(adapter(local, r.id()));
            assertThat(Files.readString(spark.resolve("runs").resolve(r.id()).resolve("sweep.json"))).contains("\"engine\" : \"spark\"");
        }
    }

    @Test
    void aKilledRunIsRetriedAndEndsWithTheUninterruptedAdapter() throws Exception {
        Path plan = dir.resolve("one.yaml");                                                  // the example's lora seed-0 run alone
        String yaml = Files.readString(example).replace("method: [lora, soda-svd]", "method: [lora]").replace("seed: [0, 1]", "seed: [0]")
                .replace("../../shared/", example.getParent().resolve("../../shared").normalize() + "/");
        Files.writeString(plan, yaml);
        List<SweepRun> one = SweepRun.allOf(SweepPlan.read(plan));
        assertThat(one).hasSize(1);
        String id = one.getFirst().id();
        assertThat(runs).extracting(SweepRun::id).contains(id);
        Path killed = dir.resolve("killed");
        assertThat(sweep("--plan", plan.toString(), "--out", killed.toString(), "--engine", "spark", "--master", "local[1,2]", "--inject-kill-after-checkpoint")).isZero();
        Path run = killed.resolve("runs").resolve(id);
        assertThat(Files.readString(run.resolve("sweep.json"))).contains("\"attempts\" : 2", "\"state\" : \"finished\"");
        assertThat(Files.readString(run.resolve("train.log"))).contains("checkpoint-000002 written after step 2", "resumed from");
        assertThat(adapter(killed, id)).isEqualTo(adapter(local, id));
    }

    @Test
    void theJvmOptionsFileIsSparksOwnList() throws Exception {
        Path file = Path.of(System.getenv("SPECTUNE_ROOT"), "sweep-spark", "spark-jvm-options");
        assertThat(Files.readAllLines(file)).containsExactly(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray());
    }
}
