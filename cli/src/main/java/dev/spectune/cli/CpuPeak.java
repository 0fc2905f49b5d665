/*
 * CpuPeak: this machine's single-precision FMA peak, the yardstick `bench` reports achieved
 * GFLOP/s against — cores × clock × FLOPs per cycle per core, where a core retires two fused
 * multiply-adds per cycle (2 FMA units) on vectors of 16 floats with AVX-512, 8 with AVX2
 * (2 FLOPs each). Read from /proc/cpuinfo (the nominal clock "cpu MHz"; turbo is not counted).
 */
package dev.spectune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

record CpuPeak(int cores, double gigahertz, int flopsPerCycle) {

    double gflops() {
        return cores * gigahertz * flopsPerCycle;
    }

    String describe() {
        return String.format("%.0f GFLOP/s (%d cores × %.2f GHz × %d FLOP/cycle)", gflops(), cores, gigahertz, flopsPerCycle);
    }

    /** The peak of this machine, or null where /proc/cpuinfo does not tell the clock. */
    static CpuPeak detect() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            double mhz = lines.stream().filter(l -> l.startsWith("cpu MHz")).mapToDouble(l -> Double.parseDouble(l.split(":")[1].trim())).findFirst().orElse(0);
            String flags = lines.stream().filter(l -> l.startsWith("flags")).findFirst().orElse("");
            int lanes = flags.contains(" avx512f") ? 16 : flags.contains(" avx2") && flags.contains(" fma") ? 8 : 4;
            return mhz > 0 ? new CpuPeak(Runtime.getRuntime().availableProcessors(), mhz / 1000, 2 * 2 * lanes) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
