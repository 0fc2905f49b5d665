/*
 * VersionInfo: what `spectune --version` prints: the version, the git commit, the ND4J backend and
 * which native build of it is loaded (generic or oneDNN-AVX2), the JVM and the CPU's SIMD features.
 */
package dev.spectune.cli;

import dev.spectune.runtime.CpuInfo;
import dev.spectune.runtime.Nd4jRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;

public final class VersionInfo implements CommandLine.IVersionProvider {

    public static Properties buildProperties() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("/spectune.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // leave empty
        }
        return p;
    }

    @Override
    public String[] getVersion() {
        Properties build = buildProperties();
        CpuInfo cpu = CpuInfo.read();
        List<String> lines = new ArrayList<>();
        lines.add("spectune " + build.getProperty("version", "unknown"));
        lines.add("git commit: " + System.getProperty("spectune.git.commit", "unknown"));
        lines.add("java: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        lines.add("ND4J: " + build.getProperty("nd4j.version", "unknown") + ", backend " + Nd4jRuntime.backendName()
                + ", native build " + Nd4jRuntime.nativeBuild());
        lines.add("ND4J native library: " + Nd4jRuntime.nativeLibraryPath());
        lines.add("ND4J build flags: " + String.join(", ", Nd4jRuntime.buildInformation()));
        lines.add("CPU: " + cpu.model() + ", " + cpu.cores() + " cores, features " + String.join(" ", cpu.simdFeatures())
                + String.format(", fp32 FMA peak %.0f GFLOP/s", cpu.peakGflops()));
        return lines.toArray(String[]::new);
    }
}
