/*
 * CpuInfo: the machine facts a benchmark needs (model, cores, SIMD features, FMA peak).
 *
 * Peak fp32 FLOP/s = cores x FMA units (2 on Haswell and later) x 8 lanes (AVX2) x 2 (an FMA is
 * two flops) x clock. With AVX-512 the lanes double, except on AMD Zen 4, which executes 512-bit
 * FMAs as two 256-bit halves (Zen 5, recognised by avx512_vp2intersect, has the full width). The
 * clock is the one /proc/cpuinfo reports, which is the nominal frequency on virtual machines.
 */
package dev.spectune.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

public record CpuInfo(String model, String vendor, int cores, double mhz, Set<String> flags) {

    private static final List<String> REPORTED_FEATURES =
            List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_bf16", "amx_tile");

    public static CpuInfo read() {
        String model = "unknown", vendor = "unknown";
        double mhz = 0;
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                switch (key) {
                    case "model name" -> model = value;
                    case "vendor_id" -> vendor = value;
                    case "cpu MHz" -> mhz = Math.max(mhz, Double.parseDouble(value));
                    case "flags" -> flags.addAll(Arrays.asList(value.split("\\s+")));
                    default -> { }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or an unusual cpuinfo: report what we have.
        }
        return new CpuInfo(model, vendor, Runtime.getRuntime().availableProcessors(), mhz, flags);
    }

    /** The SIMD features that matter for ND4J/OpenBLAS kernels, present on this CPU. */
    public List<String> simdFeatures() {
        return REPORTED_FEATURES.stream().filter(flags::contains).toList();
    }

    /** fp32 FMA peak in GFLOP/s (0 when the clock is unknown). */
    public double peakGflops() {
        boolean full512 = flags.contains("avx512f")
                && (!"AuthenticAMD".equals(vendor) || flags.contains("avx512_vp2intersect"));
        int lanes = full512 ? 16 : flags.contains("avx2") ? 8 : 4;
        int fmaUnits = flags.contains("fma") ? 2 : 1;
        return cores * fmaUnits * lanes * 2 * mhz / 1000.0;
    }
}
