/*
 * UNetBenchCommand: `spectune bench unet --model DIR --batch 2 --resolution PX --iters 5` —
 * forward and forward+backward milliseconds per iteration of a UNet2DConditionModel, peak process
 * memory (resident, ND4J's off-heap buffers included), and the five op types that take the most
 * time. DIR needs a config.json; without weights there, the UNet gets seeded random weights.
 *
 * The backward pass differentiates a mean-square loss of the output with respect to conv_in's
 * weight: the gradient then flows through every layer (activation gradients everywhere, one
 * weight gradient), as when training a small adapter at the input side.
 */
package dev.spectune.cli;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.OpProfiler;
import dev.spectune.model.RandomWeights;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.runtime.Nd4jRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "unet", mixinStandardHelpOptions = true, description = "UNet forward and forward+backward time, peak memory, top ops.")
public final class UNetBenchCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A UNet folder with config.json (weights optional: random when absent).")
    Path model;

    @Option(names = "--batch", defaultValue = "2") int batch;
    @Option(names = "--resolution", defaultValue = "256", description = "Image size in pixels (latents are 1/8).") int resolution;
    @Option(names = "--iters", defaultValue = "5") int iterations;
    @Option(names = "--warmup", defaultValue = "2") int warmup;
    @Option(names = "--forward-only", description = "Skip the backward pass (e.g. when memory forbids it).") boolean forwardOnly;

    @Override
    public Integer call() throws IOException {
        Nd4jRuntime.init();
        UNetConfig config = UNetConfig.fromJson(model.resolve("config.json"));
        boolean hasWeights = Files.exists(model.resolve("diffusion_pytorch_model.safetensors")) || Files.exists(model.resolve("diffusion_pytorch_model.safetensors.index.json"));
        WeightSource weights = hasWeights ? Checkpoint.openComponentFolder(model) : new RandomWeights(UNet2DConditionModel.parameterShapes(config), 0);
        int latent = resolution / 8;
        System.out.printf("unet %s: blocks %s, %,d parameters (%s), batch %d, %d px (latents %dx%d), %d iterations%n",
                model, config.blockOutChannels(), weights.parameterCount(), hasWeights ? "checkpoint weights" : "random weights",
                batch, resolution, latent, latent, iterations);
        long t0 = System.nanoTime();
        ModelGraph g = UNet2DConditionModel.build(config, weights, DataType.FLOAT, batch, latent, latent, 77);
        System.out.printf("graph built in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        Nd4j.getRandom().setSeed(1);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("sample", Nd4j.randn(DataType.FLOAT, batch, config.inChannels(), latent, latent));
        feed.put("timestep", Nd4j.createFromArray(new float[batch]).addi(500));
        feed.put("encoder_hidden_states", Nd4j.randn(DataType.FLOAT, batch, 77, config.crossAttentionDim()));

        SameDiff sd = g.sd();
        for (int i = 0; i < warmup; i++) g.run(feed, "out");
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) g.run(feed, "out");
        double forwardMs = (System.nanoTime() - start) / 1e6 / iterations;
        System.out.printf("forward:          %10.1f ms/iter%n", forwardMs);
        OpProfiler profiler = new OpProfiler();
        sd.setListeners(profiler);
        g.run(feed, "out");
        sd.setListeners();
        printTop("forward", profiler);

        if (!forwardOnly) {
            SDVariable first = sd.getVariable("conv_in.weight");
            first.convertToVariable();
            SDVariable out = g.get("out");
            sd.setLossVariables(out.mul(out).mean().rename("bench_loss"));
            Map<String, INDArray> placeholders = new HashMap<>();
            feed.forEach((k, v) -> placeholders.put(k, v));
            for (int i = 0; i < warmup; i++) sd.calculateGradients(placeholders, List.of("conv_in.weight"));
            start = System.nanoTime();
            for (int i = 0; i < iterations; i++) sd.calculateGradients(placeholders, List.of("conv_in.weight"));
            double trainMs = (System.nanoTime() - start) / 1e6 / iterations;
            System.out.printf("forward+backward: %10.1f ms/iter%n", trainMs);
            profiler.reset();
            sd.setListeners(profiler);
            sd.calculateGradients(placeholders, List.of("conv_in.weight"));
            sd.setListeners();
            printTop("forward+backward", profiler);
        }
        System.out.printf("peak resident memory: %.2f GiB (JVM heap max %.1f GiB)%n", peakRssGib(), Runtime.getRuntime().maxMemory() / 1073741824.0);
        return 0;
    }

    private static void printTop(String what, OpProfiler profiler) {
        double total = profiler.totalNanos();
        System.out.printf("  top ops (%s, one profiled iteration, %.1f ms in ops, %d op types):%n", what, total / 1e6, profiler.ranking().size());
        profiler.ranking().stream().limit(5).forEach(e ->
                System.out.printf("    %-28s %8.1f ms %5.1f%%  (%d calls)%n", e.op(), e.nanos() / 1e6, 100 * e.nanos() / total, e.calls()));
    }

    static double peakRssGib() {
        return dev.spectune.runtime.ProcessMemory.peak() / 1073741824.0;
    }

    /** The resident set now. */
    static double rssGib() {
        return dev.spectune.runtime.ProcessMemory.resident() / 1073741824.0;
    }
}
