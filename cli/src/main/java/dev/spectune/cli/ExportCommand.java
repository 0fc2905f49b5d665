/*
 * ExportCommand: `spectune export --model DIR --adapter A [--adapter B …] [--strength λ …]
 * [--fusion sum|mean] --format deltas|kohya [--rank R] --out FILE` — one adapter, or the
 * weight-residual fusion W0 + Σ λi·ΔWi of several, written as
 *   deltas  the merged updates ΔW by diffusers UNet key (text-encoder ones as "text_encoder.<key>"),
 *           to add to any copy of the base;
 *   kohya   a rank-R LoRA approximation in kohya/A1111 format (A1111, ComfyUI, stable-diffusion.cpp),
 *           with the per-layer relative error of the approximation printed.
 * --fusion mean divides every strength by the number of adapters (the Spectral Adapter authors'
 * fusion of per-concept weights); sum (default) places every update at its full strength.
 */
package dev.spectune.cli;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.adapters.io.AdapterMerge;
import dev.spectune.adapters.io.DiffusersLoraFile;
import dev.spectune.adapters.io.KohyaLora;
import dev.spectune.checkpoint.names.NameMapping;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export adapters (fused when several) as merged weight deltas, or as a LoRA approximation in kohya/A1111 or diffusers format.")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The base model (diffusers pipeline folder).") Path model;
    @Option(names = "--adapter", required = true, description = "Adapter folder or LoRA file (repeat to fuse several).") List<Path> adapters;
    @Option(names = "--strength", description = "Strength λ per adapter, in --adapter order (default 1 each).") List<Double> strengths;
    @Option(names = "--fusion", defaultValue = "sum", description = "sum: W0 + Σ λi·ΔWi; mean: W0 + Σ λi·ΔWi / n (default ${DEFAULT-VALUE}).") String fusion;
    @Option(names = "--format", defaultValue = "kohya", description = "deltas | kohya | diffusers (pytorch_lora_weights.safetensors layout) (default ${DEFAULT-VALUE}).") String format;
    @Option(names = "--kohya-names", defaultValue = "DIFFUSERS", description = "kohya UNet module names: DIFFUSERS (sd-scripts' SD-1.x names, lora_unet_down_blocks_0_…)"
            + " or LDM (the original checkpoint's, lora_unet_input_blocks_1_1_…) (default ${DEFAULT-VALUE}).") NameMapping.KohyaNames kohyaNames;
    @Option(names = "--rank", defaultValue = "16", description = "Rank of the kohya LoRA approximation (default ${DEFAULT-VALUE}).") int rank;
    @Option(names = "--out", required = true, description = "Output .safetensors file.") Path out;

    @Override
    public Integer call() throws Exception {
        if (!List.of("deltas", "kohya", "diffusers").contains(format)) throw new IllegalArgumentException("--format must be deltas, kohya or diffusers, got '" + format + "'");
        fusionStrengths(adapters.size(), strengths, fusion);                         // options checked before any model is read
        Nd4jRuntime.init();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
            WeightSource unet = pipe.component("unet"), vae = pipe.component("vae");
            List<Double> lambdas = fusionStrengths(adapters.size(), strengths, fusion);
            AdapterMerge.Fused both = AdapterMerge.fuse(adapters, lambdas, unet, vae, pipe.component("text_encoder"));
            String modelHash = dev.spectune.model.pipeline.ModelHash.of(model);
            for (Path a : adapters) SampleCommand.warnIfTrainedOnAnotherModel(a, modelHash);   // as sample does
            Map<String, INDArray> fused = both.unet(), fusedText = both.textEncoder();
            String note = adapters.size() > 1 ? AdapterMerge.spectralFusionNote(adapters, fused) : null;
            if (note != null) System.out.println(note);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("spectune_adapters", adapters.toString());
            meta.put("spectune_strengths", lambdas.toString());
            if (format.equals("deltas")) {
                List<Tensor> tensors = new ArrayList<>();
                fused.forEach((k, d) -> tensors.add(Tensor.of(k, d, DType.F32)));
                fusedText.forEach((k, d) -> tensors.add(Tensor.of("text_encoder." + k, d, DType.F32)));
                SafetensorsWriter.write(out, tensors, meta);
                System.out.printf("wrote %s: ΔW of %d UNet weights%s%n", out, fused.size(),
                        fusedText.isEmpty() ? "" : " and " + fusedText.size() + " text-encoder weights (keys text_encoder.…)");
                return 0;
            }
            List<KohyaLora.Layer> layers = format.equals("kohya")
                    ? KohyaLora.write(out, fused, fusedText, kohyaNames, LdmLayout.fromDiffusers(unet.keys(), vae.keys()), rank, meta)
                    : DiffusersLoraFile.write(out, fused, fusedText, rank, meta);
            long biases = java.util.stream.Stream.concat(fused.values().stream(), fusedText.values().stream()).filter(d -> d.rank() < 2).count();
            if (biases > 0) System.out.printf("note: %d bias updates (IA3) have no LoRA form and are not in %s; use --format deltas to keep them%n", biases, out);
            double worst = layers.stream().mapToDouble(KohyaLora.Layer::relativeError).max().orElse(0);
            double mean = layers.stream().mapToDouble(KohyaLora.Layer::relativeError).average().orElse(0);
            KohyaLora.Layer w = layers.stream().max(java.util.Comparator.comparingDouble(KohyaLora.Layer::relativeError)).orElseThrow();
            int used = layers.stream().mapToInt(KohyaLora.Layer::rank).max().orElse(rank);     // a layer narrower than --rank keeps its full rank
            System.out.printf("wrote %s: %d modules, rank %d%s; ‖ΔW − up·down‖/‖ΔW‖ mean %.3e, worst %.3e (%s)%n", out, layers.size(), used,
                    used < rank ? " (--rank " + rank + " is above every layer's width)" : "", mean, worst, w.key());
        }
        return 0;
    }

    /** Strengths per adapter (default 1), divided by n for the mean fusion. */
    static List<Double> fusionStrengths(int n, List<Double> given, String fusion) {
        if (!fusion.equals("sum") && !fusion.equals("mean")) throw new IllegalArgumentException("--fusion must be sum or mean, got '" + fusion + "'");
        if (given != null && !given.isEmpty() && given.size() != n) {
            throw new IllegalArgumentException(n + " adapters but " + given.size() + " --strength values");
        }
        List<Double> s = new ArrayList<>();
        for (int i = 0; i < n; i++) s.add((given == null || given.isEmpty() ? 1.0 : given.get(i)) / (fusion.equals("mean") ? n : 1));
        return s;
    }
}
