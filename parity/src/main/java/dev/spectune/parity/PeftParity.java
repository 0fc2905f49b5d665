/*
 * PeftParity: spectune's LoRA, rsLoRA, DoRA, conv LoRA, OFT, COFT, VeRA, LoHa, LoKr, HRA, IA3 and
 * BOFT against peft's own layers (shared/golden/peft for peft 0.13.2, shared/golden/peft_v0.17 for
 * peft 0.17.0). Each file holds a TinyMLP (fc1 → tanh → fc2, or one Conv2d), its base weights, the
 * adapter state dict as peft saves it ("adapter.<peft key>") with peft's config in the metadata, an
 * input x, an upstream gradient, and peft's outputs: y, y_base (adapter disabled), y_after_merge,
 * the merged weights and biases, and the adapter-parameter gradients of Σ y ⊙ G.
 *
 * The adapter goes through the reader every adapter folder goes through — AdapterDirectory.read
 * turns peft's config and tensors into spectune's method and options, AdapterDirectory.apply
 * injects it and loads every tensor (strict: none missing, none left over) — so this parity
 * certifies what `sample --adapter` and `export` read. Then every stored output is compared.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.runtime.Tolerances;
import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.adapters.io.AdapterMerge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class PeftParity {
    private PeftParity() {}

    static final String ADAPTER = "adapter.", GRAD = "grad.base_model.model.", BOFT_FBD = "boft.fbd_cuda_available";

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("peft " + folder.getFileName());
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot list the golden folder", e);
        }
        if (files.isEmpty()) throw new CheckpointException(folder + ": no peft golden .safetensors files");
        for (Path file : files) {
            try (GoldenFile g = report.open(file)) {
                compareOne(report, file.getFileName().toString().replace(".safetensors", ""), g);
            }
        }
        return report;
    }

    private static void compareOne(ParityReport report, String name, GoldenFile g) {
        boolean conv = g.has("base.conv.weight");
        List<String> modules = conv ? List.of("conv") : List.of("fc1", "fc2");
        AdapterDirectory.Saved saved = AdapterDirectory.read(g.path() + " [metadata config]", config(g), g.path().toString(), adapterTensors(g));
        INDArray x = g.get("x", DataType.FLOAT);
        SameDiff sd = SameDiff.create();
        SDVariable y = network(sd, g, sd.var("x", x), conv);
        List<AdaptedWeight> layers = AdapterDirectory.apply(sd, saved);
        sd.setLossVariables(y.mul(sd.constant("G", g.get("upstream_grad", DataType.FLOAT))).sum().rename("loss"));
        List<String> names = new ArrayList<>();
        layers.forEach(a -> a.parameters().forEach(p -> names.add(p.name())));
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), names);
        String tag = name + " ";
        report.compare(tag + "y", y.eval(), g.get("y", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
        report.check(tag + "layers adapted (" + layers.size() + " of " + modules + ")", modules.size() - layers.size(), 0, "");
        if (g.has(BOFT_FBD)) {                 // peft trains one butterfly factor, whatever its config says, when its CUDA kernel is missing
            boolean fbd = g.get(BOFT_FBD, DataType.INT64).getInt(0) != 0;
            int effective = fbd ? config(g).path("boft_n_butterfly_factor").asInt(1) : 1, ours = ((dev.spectune.adapters.Boft.Options) saved.spec().config()).butterflyFactors();
            report.check(tag + "butterfly factors read: " + ours + " (peft's effective count " + effective + ", " + BOFT_FBD + " " + fbd + ")",
                    Math.abs(ours - effective), 0, "");
        }

        // The base network (adapter off) and the network with the adapter merged as sample merges it.
        SameDiff base = SameDiff.create();
        report.compare(tag + "y_base (adapter disabled)", network(base, g, base.constant("x", x), conv).eval(), g.get("y_base", DataType.FLOAT),
                Tolerances.MODEL_OUTPUT_F32_REL);
        Map<String, INDArray> deltas = new LinkedHashMap<>();
        for (AdaptedWeight a : layers) {
            deltas.put(a.key(), a.delta().reshape(a.sourceShape()));
            if (a.bias() != null) deltas.put(a.bias().key(), a.bias().delta());
        }
        SameDiff merged = SameDiff.create();
        SDVariable yMerged = network(merged, g, merged.constant("x", x), conv);
        AdapterMerge.addInto(merged, deltas, 1);
        report.compare(tag + "y_after_merge (ΔW merged into W0)", yMerged.eval(), g.get("y_after_merge", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);

        for (AdaptedWeight a : layers) {
            String module = a.key().replace(".weight", "");
            INDArray expected = g.get("merged." + module + ".weight", DataType.FLOAT);
            report.compare(tag + "merged " + module, a.merged().reshape(expected.shape()), expected, Tolerances.MODEL_OUTPUT_F32_REL);
            INDArray bias = a.bias() != null ? a.bias().value().eval() : g.get("base." + module + ".bias", DataType.FLOAT);
            report.compare(tag + "merged " + module + ".bias", bias, g.get("merged." + module + ".bias", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            for (AdapterParameter p : a.parameters()) {
                INDArray golden = g.get(gradName(g, p.name()), DataType.FLOAT);
                report.compare(tag + "grad " + p.name(), grads.get(p.name()), golden.reshape(p.value().shape()), Tolerances.GRADIENT_AND_PIPELINE_REL);
            }
        }
    }

    /** The adapter state dict as peft saved it, under peft's own key names (the "adapter." prefix removed). */
    private static Map<String, INDArray> adapterTensors(GoldenFile g) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (String n : g.names()) if (n.startsWith(ADAPTER)) tensors.put(n.substring(ADAPTER.length()), g.get(n, DataType.FLOAT));
        return tensors;
    }

    /** peft's gradient key for our parameter: "fc1.lora_A.weight" → "grad.….fc1.lora_A.default.weight". */
    static String gradName(GoldenFile g, String param) {
        int dot = param.indexOf('.');
        String module = param.substring(0, dot), rest = param.substring(dot + 1);
        String leaf = rest.endsWith(".weight") ? rest.substring(0, rest.length() - ".weight".length()) : rest;
        for (String candidate : List.of(GRAD + module + "." + leaf + ".default.weight", GRAD + module + "." + leaf + ".default")) {
            if (g.has(candidate)) return candidate;
        }
        throw new CheckpointException(g.path() + ": no gradient for " + param + " (looked for " + GRAD + module + "." + leaf + ".default[.weight])");
    }

    private static JsonNode config(GoldenFile g) {
        try {
            return new ObjectMapper().readTree(g.requireMetadata("config"));
        } catch (IOException e) {
            throw new CheckpointException(g.path() + ": the metadata's peft config is not valid JSON (" + e.getMessage() + ")");
        }
    }

    /** TinyMLP y = fc2(tanh(fc1(x))), or one Conv2d (3×3, stride 1, padding 1), on the file's base weights held as graph constants. */
    private static SDVariable network(SameDiff sd, GoldenFile g, SDVariable x, boolean conv) {
        if (conv) {
            INDArray w = Conv2d.oihwToYxio(g.get("base.conv.weight", DataType.FLOAT));
            return Conv2d.apply(sd, x, sd.constant("conv.weight", w), sd.constant("conv.bias", g.get("base.conv.bias", DataType.FLOAT)), 1, 1, 1);
        }
        SDVariable h = sd.math().tanh(Linear.apply(sd, x, sd.constant("fc1.weight", g.get("base.fc1.weight", DataType.FLOAT)),
                sd.constant("fc1.bias", g.get("base.fc1.bias", DataType.FLOAT))));                                  // [N, hidden]
        return Linear.apply(sd, h, sd.constant("fc2.weight", g.get("base.fc2.weight", DataType.FLOAT)),
                sd.constant("fc2.bias", g.get("base.fc2.bias", DataType.FLOAT)));                                   // [N, out]
    }
}
