/*
 * OptimBenchCommand: `spectune bench optim` — time per optimizer step for SODA's rotation factors
 * on every attention projection of an SD-1.5-sized model (UNet to_q/to_k/to_v/to_out.0 and text
 * encoder q/k/v/out_proj; factor sizes from the planner, SODA authors' mode) with Stiefel Adam,
 * against AdamW on a rank-4 LoRA of the same layers.
 */
package dev.spectune.cli;

import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.optim.AdamW;
import dev.spectune.optim.Optimizer;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.runtime.Fixtures;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "optim", mixinStandardHelpOptions = true,
        description = "Stiefel Adam on SODA's Kronecker factors vs AdamW on LoRA r=4, per step, for SD-1.5's attention layers.")
public final class OptimBenchCommand implements Callable<Integer> {

    @Option(names = "--unet-config", description = "UNet config.json (default: shared/artifacts/sd15-config/unet/config.json).")
    Path unetConfig;
    @Option(names = "--text-layers", defaultValue = "12", description = "Text-encoder layers (SD-1.5: 12 of width 768).") int textLayers;
    @Option(names = "--text-width", defaultValue = "768") int textWidth;
    @Option(names = "--iters", defaultValue = "5") int iterations;
    @Option(names = "--rank", defaultValue = "4") int rank;

    @Override
    public Integer call() {
        Nd4jRuntime.init();
        Path config = unetConfig != null ? unetConfig : Fixtures.locate().map(p -> p.resolve("artifacts/sd15-config/unet/config.json"))
                .filter(Files::isRegularFile).orElseThrow(() -> new IllegalArgumentException("give --unet-config (SD-1.5's unet/config.json)"));
        List<long[]> layers = new ArrayList<>();                                     // [out, in] of every targeted projection
        UNet2DConditionModel.parameterShapes(UNetConfig.fromJson(config)).forEach((k, s) -> {
            if (k.matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)\\.weight")) layers.add(s);
        });
        int unetLayers = layers.size();
        for (int i = 0; i < textLayers * 4; i++) layers.add(new long[] {textWidth, textWidth});

        Map<String, INDArray> factors = new LinkedHashMap<>(), factorGrads = new LinkedHashMap<>();
        Map<String, INDArray> lora = new LinkedHashMap<>(), loraGrads = new LinkedHashMap<>();
        Nd4j.getRandom().setSeed(0);
        long rotationParams = 0, loraParams = 0;
        for (int l = 0; l < layers.size(); l++) {
            long out = layers.get(l)[0], in = layers.get(l)[1];
            int[] f = KroneckerFactorPlanner.plan((int) in, 3, KroneckerFactorPlanner.Mode.AUTHORS);
            for (int j = 0; j < f.length; j++) {
                String name = "layer" + l + ".Q" + (j + 1);
                factors.put(name, Nd4j.eye(f[j]).castTo(DataType.FLOAT));
                factorGrads.put(name, Nd4j.randn(DataType.FLOAT, f[j], f[j]).muli(1e-2));
                rotationParams += (long) f[j] * f[j];
            }
            lora.put("layer" + l + ".lora_A", Nd4j.randn(DataType.FLOAT, rank, in).muli(1e-2));
            lora.put("layer" + l + ".lora_B", Nd4j.zeros(DataType.FLOAT, out, rank));
            loraGrads.put("layer" + l + ".lora_A", Nd4j.randn(DataType.FLOAT, rank, in).muli(1e-3));
            loraGrads.put("layer" + l + ".lora_B", Nd4j.randn(DataType.FLOAT, out, rank).muli(1e-3));
            loraParams += rank * (in + out);
        }
        System.out.printf("%d attention projections (%d UNet, %d text encoder): %d Kronecker factors (%,d rotation parameters) vs LoRA r=%d (%,d parameters)%n",
                layers.size(), unetLayers, textLayers * 4, factors.size(), rotationParams, rank, loraParams);
        double stiefel = time(new StiefelAdam(factors, 5e-3, 0.9, 0.999, 1e-5, StiefelOptions.soda()), factorGrads);
        double adamw = time(new AdamW(lora, 1e-4, 0.9, 0.999, 1e-8, 1e-2), loraGrads);
        System.out.printf("Stiefel Adam on all factors: %8.1f ms/step%n", stiefel);
        System.out.printf("AdamW on LoRA r=%d:          %8.1f ms/step%n", rank, adamw);
        System.out.printf("ratio Stiefel/AdamW:         %8.2f%n", stiefel / adamw);
        return 0;
    }

    private double time(Optimizer o, Map<String, INDArray> grads) {
        o.step(grads);                                                               // warm-up
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) o.step(grads);
        return (System.nanoTime() - start) / 1e6 / iterations;
    }
}
