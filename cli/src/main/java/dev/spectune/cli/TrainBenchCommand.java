/*
 * TrainBenchCommand: `spectune bench train` — milliseconds per training step and peak resident
 * memory of adapter training on a UNet, per method, at equal targets (the UNet attention
 * projections by default). The forward and backward are the trainer's own (TrainingStep, the unit
 * DreamBoothTrainer repeats: SD's noise schedule, t = 500, the ε-MSE objective, its compiled
 * execution plan); then global-norm clipping, AdamW on Euclidean parameters and Stiefel Adam on
 * SODA's rotation factors, as DreamBoothTrainer.step does. Latents, noise and text embeddings are
 * random (the text encoder and VAE are outside the step when latents and embeddings are cached).
 * The peak is reset between methods (Linux /proc/self/clear_refs), so each method's figure is its
 * own; the plan's op count, costliest op kinds, FLOPs and achieved GFLOP/s against the CPU's FMA
 * peak are printed per method. --gradient-checkpointing recomputes the UNet's blocks in backward.
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.RandomWeights;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.optim.AdamW;
import dev.spectune.optim.GradientClipping;
import dev.spectune.optim.ParamKind;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.training.TrainingStep;
import dev.spectune.runtime.CpuInfo;
import dev.spectune.runtime.Fixtures;
import dev.spectune.runtime.Nd4jRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "ms per adapter training step and peak memory, per method, on a UNet (default: the SD-topology golden UNet).")
public final class TrainBenchCommand implements Callable<Integer> {

    @Option(names = "--model", description = "A UNet folder with config.json (weights optional: random when absent). Default: shared/golden/unet_sd_topology.")
    Path model;
    @Option(names = "--method", split = ",", defaultValue = "soda-svd,spectral-a,lora", description = "Methods, comma-separated (default ${DEFAULT-VALUE}).")
    List<String> methods;
    @Option(names = "--targets", description = "Regex of adapted weights (default: UNet attention projections).") String targets;
    @Option(names = "--batch", defaultValue = "1") int batch;
    @Option(names = "--resolution", defaultValue = "64", description = "Image size in pixels (latents are 1/8; default ${DEFAULT-VALUE}).") int resolution;
    @Option(names = "--iters", defaultValue = "5") int iterations;
    @Option(names = "--warmup", defaultValue = "2") int warmup;
    @Option(names = "--gradient-checkpointing", description = "Recompute block activations in backward (train --gradient-checkpointing).") boolean checkpointing;
    @Option(names = "--top-ops", defaultValue = "8", description = "How many op kinds the profile line lists, costliest first (default ${DEFAULT-VALUE}).") int topOps;

    record Row(String method, long parameters, double gradientMs, double optimizerMs, double peakGib) {
        double msPerStep() {
            return gradientMs + optimizerMs;
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    @Override
    public Integer call() throws IOException {
        Nd4jRuntime.init();
        Path folder = model != null ? model : Fixtures.locate().map(p -> p.resolve("golden/unet_sd_topology")).filter(Files::isDirectory)
                .orElseThrow(() -> new IllegalArgumentException("give --model (a UNet folder with config.json)"));
        UNetConfig config = UNetConfig.fromJson(folder.resolve("config.json"));
        boolean hasWeights = Files.exists(folder.resolve("diffusion_pytorch_model.safetensors"));
        Pattern pattern = Pattern.compile(targets != null ? targets : AdapterInjector.UNET_ATTENTION.pattern());
        int latent = resolution / 8;
        System.out.printf("bench train: %s (%s), batch %d, %d px (latents %dx%d), targets /%s/, %d iterations after %d warm-up%s%n",
                folder, hasWeights ? "checkpoint weights" : "random weights", batch, resolution, latent, latent, pattern.pattern(), iterations, warmup,
                checkpointing ? ", gradient checkpointing" : "");
        List<Row> rows = new ArrayList<>();
        for (String method : methods) {
            Nd4jRuntime.collectGarbage();                                                  // the previous method's model
            dev.spectune.runtime.ProcessMemory.resetPeak();
            try (Checkpoint cp = hasWeights ? Checkpoint.open(folder) : null) {
                WeightSource weights = hasWeights ? cp.components().values().iterator().next() : new RandomWeights(UNet2DConditionModel.parameterShapes(config), 0);
                rows.add(bench(method, config, weights, pattern, latent));
            }
            Row r = rows.getLast();
            System.out.printf("  %-11s %,10d params  %9.1f ms/step (forward+backward %.1f, clip+optimizer %.1f)  peak RSS %.2f GiB%n",
                    r.method(), r.parameters(), r.gradientMs() + r.optimizerMs(), r.gradientMs(), r.optimizerMs(), r.peakGib());
        }
        Row firstLora = rows.stream().filter(r -> r.method().equals("lora")).findFirst().orElse(null);
        if (firstLora != null) {
            Row lora = firstLora;                                                          // each row against the LoRA row of its own round (the nearest before it)
            for (Row r : rows) {
                if (r.method().equals("lora")) {
                    lora = r;
                    continue;
                }
                System.out.printf("  %s / lora: %.2fx time per step, %.2fx peak memory%n", r.method(), r.msPerStep() / lora.msPerStep(), r.peakGib() / lora.peakGib());
            }
            java.util.Map<String, List<Double>> times = new java.util.LinkedHashMap<>();
            for (Row r : rows) times.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r.msPerStep());
            if (times.values().stream().anyMatch(t -> t.size() > 1)) {                     // rounds: medians, the steadier figure on a shared machine
                double loraMedian = median(times.get("lora"));
                times.forEach((m, t) -> System.out.printf("  median of %d: %-11s %9.1f ms/step%s%n", t.size(), m, median(t),
                        m.equals("lora") ? "" : String.format(" = %.2fx lora's median", median(t) / loraMedian)));
            }
        }
        return 0;
    }

    private Row bench(String method, UNetConfig config, WeightSource weights, Pattern pattern, int latent) {
        ModelGraph g = UNet2DConditionModel.build(config, weights, DataType.FLOAT, batch, latent, latent, 77);
        SameDiff sd = g.sd();
        List<AdaptedWeight> adapted = AdapterInjector.inject(sd, pattern, AdapterSpec.defaults(method).builder());
        Map<String, INDArray> euclidean = new LinkedHashMap<>(), manifold = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        long parameters = 0;
        for (AdaptedWeight a : adapted) {
            parameters += a.parameterCount();
            for (AdapterParameter p : a.parameters()) {
                (p.kind() == ParamKind.STIEFEL ? manifold : euclidean).put(p.name(), p.value());
                names.add(p.name());
            }
        }
        Nd4jRuntime.collectGarbage();
        AdamW adamw = new AdamW(euclidean, 1e-4, 0.9, 0.999, 1e-8, 1e-2);
        StiefelAdam stiefel = manifold.isEmpty() ? null : new StiefelAdam(manifold, 1e-4, 0.9, 0.999, 1e-5, StiefelOptions.soda());
        Nd4j.getRandom().setSeed(1);
        int c = config.inChannels();
        int[] t = new int[batch];
        java.util.Arrays.fill(t, 500);
        TrainingStep.Batch data = new TrainingStep.Batch(Nd4j.randn(DataType.FLOAT, batch, c, latent, latent), Nd4j.randn(DataType.FLOAT, batch, c, latent, latent),
                t, Nd4j.randn(DataType.FLOAT, batch, 77, config.crossAttentionDim()), null, Nd4j.ones(DataType.FLOAT, batch, 1, 1, 1));
        TrainingStep step = new TrainingStep(g, new DdpmScheduler(SchedulerConfig.STABLE_DIFFUSION_TRAINING), false, null, names, 0, checkpointing);   // the trainer's step
        double gradientNanos = 0, optimizerNanos = 0;
        double builtGib = UNetBenchCommand.rssGib(), firstGib = Double.NaN;
        for (int i = 0; i < warmup + iterations; i++) {
            if (i == Math.max(warmup, 1)) step.plan().startProfiling();           // runs after the first (which compiles the plan)
            long t0 = System.nanoTime();
            Map<String, INDArray> grads = step.forwardBackward(data, false, 0).gradients();
            long t1 = System.nanoTime();
            GradientClipping.clipByGlobalNorm(grads.values(), 1.0);
            adamw.step(grads);
            if (stiefel != null) stiefel.step(grads);
            long t2 = System.nanoTime();
            if (i == 0) firstGib = UNetBenchCommand.rssGib();
            if (i >= warmup) {
                gradientNanos += t1 - t0;
                optimizerNanos += t2 - t1;
            }
        }
        var profile = step.plan().profile();
        double total = profile.values().stream().mapToLong(v -> v[0]).sum();
        System.out.printf("    resident: %.2f GiB with the model built, %.2f GiB after the first step, %.2f GiB now (the plan's reused buffers %.2f GiB; Java heap in use %.2f of %.2f GiB committed)%n",
                builtGib, firstGib, UNetBenchCommand.rssGib(), step.plan().pooledBytes() / (double) (1L << 30),
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (double) (1L << 30), Runtime.getRuntime().totalMemory() / (double) (1L << 30));
        System.out.printf("    plan: %,d ops per step (%,d before folding); top ops:", step.plan().opsPerRun(), step.plan().totalOps());
        profile.entrySet().stream().limit(topOps).forEach(e -> System.out.printf(" %s %.0f%% (%d, %.3f ms each)", e.getKey(), 100 * e.getValue()[0] / total,
                e.getValue()[1] / iterations, e.getValue()[0] / 1e6 / e.getValue()[1]));
        System.out.println();
        double flops = step.plan().flopsPerRun(), achieved = flops / (gradientNanos / iterations);      // FLOP per ns = GFLOP/s
        CpuInfo cpu = CpuInfo.read();
        double peak = cpu.peakGflops();                                                       // 0 when /proc/cpuinfo does not tell the clock
        System.out.printf("    compute: %.1f GFLOP per forward+backward (matmuls and convolutions), %.1f GFLOP/s achieved%s%n", flops / 1e9, achieved,
                peak > 0 ? String.format(" = %.1f%% of the fp32 FMA peak %.0f GFLOP/s (%d cores at %.0f MHz)", 100 * achieved / peak, peak, cpu.cores(), cpu.mhz()) : "");
        return new Row(method, parameters, gradientNanos / 1e6 / iterations, optimizerNanos / 1e6 / iterations, UNetBenchCommand.peakRssGib());
    }
}
