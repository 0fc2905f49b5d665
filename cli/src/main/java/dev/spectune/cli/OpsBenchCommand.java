/*
 * OpsBenchCommand: `spectune bench ops` — GFLOP/s of the two kernels a diffusion UNet spends its
 * time in, on this machine: an fp32 matmul 1024³ (ND4J gemm → OpenBLAS) and a 3x3 conv2d
 * forward and forward+backward at [2, 320, 32, 32] (SD-1.5's first level at 256 px), through
 * the same tensor-ops Conv2d the models use, as a fraction of the CPU's fp32 FMA peak.
 *
 * FLOP counts: matmul 2·n³; conv forward 2·B·Cout·H·W·Cin·kH·kW; backward twice the forward
 * (input gradient and weight gradient).
 */
package dev.spectune.cli;

import dev.spectune.ops.Conv2d;
import dev.spectune.runtime.CpuInfo;
import dev.spectune.runtime.Nd4jRuntime;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ops", description = "GFLOP/s of matmul 1024^3 and conv2d 3x3 forward+backward at [2,320,32,32].",
        mixinStandardHelpOptions = true)
public final class OpsBenchCommand implements Runnable {

    @Option(names = "--iters", defaultValue = "10", description = "Timed iterations per kernel (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed warm-up iterations (default ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public void run() {
        Nd4jRuntime.init();
        CpuInfo cpu = CpuInfo.read();
        double peak = cpu.peakGflops();
        System.out.printf("machine: %s, %d cores, %s%n", cpu.model(), cpu.cores(), String.join(" ", cpu.simdFeatures()));
        System.out.printf("fp32 FMA peak %.1f GFLOP/s at the %.0f MHz /proc/cpuinfo reports (boost clocks can exceed it)%n",
                peak, cpu.mhz());
        System.out.printf("ND4J native build: %s%n", Nd4jRuntime.nativeBuild());

        double matmul = matmulGflops(1024);
        report("matmul 1024^3 fp32", matmul, peak);

        double[] conv = convGflops(2, 320, 32, 32);
        report("conv2d 3x3 [2,320,32,32] forward", conv[0], peak);
        report("conv2d 3x3 [2,320,32,32] forward+backward", conv[1], peak);
    }

    private static void report(String what, double gflops, double peak) {
        System.out.printf("%-44s %8.1f GFLOP/s  %5.1f%% of peak%n", what, gflops, peak > 0 ? 100 * gflops / peak : Double.NaN);
    }

    private double matmulGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n), b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        for (int i = 0; i < warmup; i++) a.mmul(b, c);
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) a.mmul(b, c);
        double seconds = (System.nanoTime() - start) / 1e9 / iterations;
        return 2.0 * n * n * (double) n / seconds / 1e9;
    }

    /** @return {forward GFLOP/s, forward+backward GFLOP/s} */
    private double[] convGflops(int batch, int channels, int h, int w) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.rand(DataType.FLOAT, batch, channels, h, w));            // [B, C, H, W]
        SDVariable weight = sd.var("weight", Conv2d.oihwToYxio(Nd4j.rand(DataType.FLOAT, channels, channels, 3, 3).subi(0.5)));
        SDVariable bias = sd.var("bias", Nd4j.zeros(DataType.FLOAT, channels));
        SDVariable y = Conv2d.apply(sd, x, weight, bias, 1, 1, 1);                              // [B, C, H, W]
        SDVariable loss = y.mul(y).mean().rename("loss");
        sd.setLossVariables(loss);
        double forwardFlops = 2.0 * batch * channels * h * w * channels * 9;

        Map<String, INDArray> none = Collections.emptyMap();
        for (int i = 0; i < warmup; i++) sd.output(none, y.name());
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) sd.output(none, y.name());
        double forwardSeconds = (System.nanoTime() - start) / 1e9 / iterations;

        List<String> wrt = List.of("x", "weight", "bias");
        for (int i = 0; i < warmup; i++) sd.calculateGradients(none, wrt);
        start = System.nanoTime();
        for (int i = 0; i < iterations; i++) sd.calculateGradients(none, wrt);
        double trainSeconds = (System.nanoTime() - start) / 1e9 / iterations;
        return new double[] {forwardFlops / forwardSeconds / 1e9, 3 * forwardFlops / trainSeconds / 1e9};
    }
}
