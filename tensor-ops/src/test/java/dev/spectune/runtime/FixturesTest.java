/* FixturesTest: the shared fixtures are found where shared/README.md says (skipped outside CI when absent). */
package dev.spectune.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.testing.TestFixtures;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class FixturesTest {
    @Test
    void sharedFolderHasGoldenIndexAndArtifacts() {
        var root = TestFixtures.root();
        assertThat(Files.isRegularFile(root.resolve("README.md"))).isTrue();
        assertThat(Files.isRegularFile(root.resolve("golden/INDEX.md"))).isTrue();
        assertThat(Files.isDirectory(root.resolve("artifacts/sd15-config"))).isTrue();
    }

    @Test
    void cpuInfoReportsAPeak() {
        CpuInfo cpu = CpuInfo.read();
        assertThat(cpu.cores()).isPositive();
        if (cpu.mhz() > 0) assertThat(cpu.peakGflops()).isPositive();
    }
}
