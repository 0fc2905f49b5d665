/*
 * ParamsCommand: `spectune params --model DIR [--targets REGEX] [--method a,b,…] [--rank R]` — the
 * trainable parameter count of each adapter method on a model's target layers, per layer shape and
 * in total, from the papers' formulas (each method's registry entry; the adapters' tests pin the built counts
 * to them). Reads shapes only: instant even for SD-1.5.
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterFlags;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "params", mixinStandardHelpOptions = true, description = "Trainable parameters of each adapter method on a model's target layers (papers' formulas).")
public final class ParamsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline folder, a UNet folder (config.json alone is enough) or a single file.") Path model;
    @Option(names = "--targets", description = "Regex of weight keys (default: UNet attention projections).") String targets;
    @Option(names = "--method", split = ",", description = "Methods (default: all).") List<String> methods;
    @Option(names = "--rank", description = "Rank (OFT: blocks; default: each method's, 4 or LiDB's 1).") Integer rank;

    /** The UNet's weight shapes: from its weights, or from config.json alone (e.g. ../shared/artifacts/sd15-config/unet). */
    private Map<String, long[]> shapes() {
        Path unetDir = Files.isDirectory(model.resolve("unet")) ? model.resolve("unet") : model;
        boolean configOnly = Files.isRegularFile(unetDir.resolve("config.json")) && !Files.exists(unetDir.resolve("diffusion_pytorch_model.safetensors"))
                && !Files.exists(unetDir.resolve("diffusion_pytorch_model.safetensors.index.json"));
        if (configOnly) return UNet2DConditionModel.parameterShapes(UNetConfig.fromJson(unetDir.resolve("config.json")));
        try (Checkpoint c = Checkpoint.open(model)) {
            WeightSource unet = c.components().containsKey("unet") ? c.component("unet") : c.components().values().iterator().next();
            Map<String, long[]> out = new LinkedHashMap<>();
            for (String k : unet.keys()) out.put(k, unet.shape(k));
            return out;
        }
    }

    @Override
    public Integer call() {
        Pattern pattern = Pattern.compile(targets != null ? targets : AdapterInjector.UNET_ATTENTION.pattern());
        Map<String, long[]> layers = new LinkedHashMap<>();
        shapes().forEach((k, s) -> {
            if (pattern.matcher(k).matches() && (s.length == 2 || s.length == 4)) {
                layers.put(k, new long[] {s[0], s.length == 2 ? s[1] : s[1] * s[2] * s[3]});    // conv: PyTorch's flattened [out, in·kh·kw]
            }
        });
        if (layers.isEmpty()) throw new IllegalArgumentException(model + ": no weight matches /" + pattern.pattern() + "/");
        Map<String, Integer> shapes = new LinkedHashMap<>();
        layers.values().forEach(s -> shapes.merge(s[0] + "x" + s[1], 1, Integer::sum));
        System.out.printf("%d target layers: %s%n", layers.size(), shapes);
        System.out.printf("%-11s %-12s %7s %12s %14s%n", "method", "shape", "layers", "per layer", "total");
        for (String m : methods != null ? methods : AdapterSpec.METHODS) {
            AdapterSpec spec = AdapterSpec.of(m, rank == null ? AdapterFlags.defaults() : AdapterFlags.defaults().withRank(rank), 0);
            Map<String, long[]> byShape = new LinkedHashMap<>();                              // shape → {layers, total, per-layer or −1 if mixed}
            layers.forEach((key, s) -> {
                long each = spec.parameters(key, s[0], s[1]);
                byShape.merge(s[0] + "x" + s[1], new long[] {1, each, each}, (a, b) -> new long[] {a[0] + 1, a[1] + b[1], a[2] == b[2] ? a[2] : -1});
            });
            long total = 0;
            for (var e : byShape.entrySet()) {
                long[] v = e.getValue();
                total += v[1];
                System.out.printf("%-11s %-12s %7d %12s%n", m, e.getKey(), v[0], v[2] < 0 ? "mixed" : String.format("%,d", v[2]));
            }
            System.out.printf("%-11s %-12s %7d %12s %,14d%n", m, "all", layers.size(), "", total);
        }
        return 0;
    }
}
