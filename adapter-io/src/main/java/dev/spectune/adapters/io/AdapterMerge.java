/*
 * AdapterMerge: adapters as weight updates ΔW = W(θ) − W0 — the zero-overhead way to use them at
 * inference and the one way to mix several: W = W0 + Σ λi·ΔWi (the weight-residual merge; the
 * right way to mix SODA subject and style adapters, whose orthogonal factors must never be
 * averaged). λ is the strength; λ = 1 reproduces the adapter, 0 the base model, −1 after a merge
 * unmerges it. For Spectral Adapter A concepts trained on disjoint column blocks the sum is the
 * exact fused weight (every block's update in place); the authors' fusion averages the
 * per-concept weights, i.e. λi = 1/n.
 */
package dev.spectune.adapters.io;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.ops.Conv2d;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class AdapterMerge {
    private AdapterMerge() {}

    /**
     * ΔW of every layer the saved adapter adapts, by weight key, in the source's (PyTorch) shape —
     * and Δb by bias key for a method that rescales biases (IA3).
     */
    public static Map<String, INDArray> deltas(WeightSource weights, AdapterDirectory.Saved saved) {
        Pattern targets = Pattern.compile(saved.targets());
        SameDiff sd = SameDiff.create();
        for (String key : weights.keys()) {
            long[] shape = weights.shape(key);
            if (!saved.targetMatches(targets, key) || (shape.length != 2 && shape.length != 4)) continue;
            INDArray w = weights.read(key, DataType.FLOAT);
            sd.constant(key, shape.length == 4 ? Conv2d.oihwToYxio(w) : w);                   // the layout tensor-ops graphs hold
            String bias = key.substring(0, key.length() - ".weight".length()) + ".bias";
            if (key.endsWith(".weight") && weights.keys().contains(bias)) sd.constant(bias, weights.read(bias, DataType.FLOAT));
        }
        List<AdaptedWeight> layers = AdapterDirectory.apply(sd, saved);
        Map<String, INDArray> deltas = new LinkedHashMap<>();
        for (AdaptedWeight a : layers) {
            deltas.put(a.key(), a.delta().reshape(weights.shape(a.key())));
            if (a.bias() != null) deltas.put(a.bias().key(), a.bias().delta());
        }
        return deltas;
    }

    /**
     * The UNet updates of any adapter spectune reads: an adapter folder (spectune's or peft's), a
     * kohya/A1111 LoRA file, or diffusers' pytorch_lora_weights.safetensors.
     */
    public static Map<String, INDArray> load(Path adapter, WeightSource unet, WeightSource vae) throws IOException {
        if (Files.isDirectory(adapter)) return deltas(unet, AdapterDirectory.read(adapter));
        if (!Files.isRegularFile(adapter)) throw new CheckpointException(adapter + ": no such adapter folder or LoRA file");
        if (isKohya(adapter)) return KohyaLora.read(adapter, unet.shapes().shapes(), LdmLayout.fromDiffusers(unet.keys(), vae.keys()));
        Map<String, INDArray> deltas = diffusersLora(adapter, "unet", unet);
        if (deltas.isEmpty()) throw new CheckpointException(adapter + ": no UNet LoRA weights (expected unet.<module>.lora.down.weight or .lora_A.weight)");
        return deltas;
    }

    /**
     * The text-encoder updates of an adapter: a folder's text_encoder/ subfolder, a kohya file's
     * "lora_te_…" modules or a diffusers file's "text_encoder." layers; none is an empty map.
     */
    public static Map<String, INDArray> loadTextEncoder(Path adapter, WeightSource textEncoder, WeightSource unet, WeightSource vae) throws IOException {
        if (Files.isDirectory(adapter)) {
            Path dir = adapter.resolve(AdapterDirectory.TEXT_ENCODER);
            return Files.isDirectory(dir) ? deltas(textEncoder, AdapterDirectory.read(dir)) : Map.of();
        }
        if (isKohya(adapter)) {
            return KohyaLora.read(adapter, dev.spectune.checkpoint.names.Component.TEXT_ENCODER, textEncoder.shapes().shapes(),
                    LdmLayout.fromDiffusers(unet.keys(), vae.keys()));
        }
        return diffusersLora(adapter, "text_encoder", textEncoder);
    }

    /** A kohya/A1111 file: its modules are named lora_unet_… / lora_te_…. */
    private static boolean isKohya(Path file) {
        try (SafetensorsFile f = dev.spectune.checkpoint.TensorFiles.open(file)) {
            return f.names().stream().anyMatch(n -> n.startsWith("lora_unet_") || n.startsWith("lora_te_"));
        }
    }

    /** scale·up·down of each layer of diffusers' LoRA file under {@code component}, in the weight's PyTorch shape. */
    private static Map<String, INDArray> diffusersLora(Path file, String component, WeightSource weights) {
        Map<String, INDArray> deltas = new LinkedHashMap<>();
        DiffusersLoraFile.read(file, component, DataType.FLOAT).forEach((key, l) -> {
            if (!weights.keys().contains(key)) throw new CheckpointException(file + ": LoRA layer " + key + " matches no " + component + " weight of this model");
            long[] shape = weights.shape(key);
            deltas.put(key, l.up().reshape(shape[0], l.rank()).mmul(l.down().reshape(l.rank(), l.down().length() / l.rank())).muli(l.scale()).reshape(shape));
        });
        return deltas;
    }

    /**
     * For a fusion of Spectral Adapter A concepts: whether their column sets J are pairwise disjoint
     * on every layer size k in {@code deltas} — the condition under which the summed updates keep
     * each concept in its own singular directions. Null when not all adapters are spectral-a folders.
     */
    public static String spectralFusionNote(List<Path> adapters, Map<String, INDArray> deltas) throws IOException {
        List<dev.spectune.adapters.SpectralAdapter.Columns> columns = new java.util.ArrayList<>();
        for (Path a : adapters) {
            if (!Files.isDirectory(a)) return null;
            AdapterDirectory.Saved s = AdapterDirectory.read(a);
            if (!s.spec().method().equals("spectral-a")) return null;
            columns.add(((dev.spectune.adapters.SpectralAdapter.Config) s.spec().config()).columnSet());
        }
        java.util.Set<Long> ks = new java.util.TreeSet<>();
        deltas.values().forEach(d -> ks.add(Math.min(d.size(0), d.length() / d.size(0))));
        for (long k : ks) {
            for (int i = 0; i < columns.size(); i++) {
                for (int j = i + 1; j < columns.size(); j++) {
                    java.util.Set<Integer> a = new java.util.HashSet<>();
                    for (int c : columns.get(i).indices(k)) a.add(c);
                    for (int c : columns.get(j).indices(k)) {
                        if (a.contains(c)) return "spectral-a fusion: adapters " + (i + 1) + " and " + (j + 1) + " share singular-vector column " + c
                                + " (k = " + k + "): their updates overlap; train each concept on its own --spectral-columns block";
                    }
                }
            }
        }
        return "spectral-a fusion: column sets pairwise disjoint on every layer (k in " + ks + ")";
    }

    /** Several adapters fused as W0 + Σ λi·ΔWi: the UNet's updates and the text encoder's (empty when none has any). */
    public record Fused(Map<String, INDArray> unet, Map<String, INDArray> textEncoder) {}

    /** Loads every adapter (folder or LoRA file) and fuses their updates with the strengths λi. */
    public static Fused fuse(List<Path> adapters, List<Double> strengths, WeightSource unet, WeightSource vae, WeightSource textEncoder) throws IOException {
        List<Map<String, INDArray>> unets = new java.util.ArrayList<>(), texts = new java.util.ArrayList<>();
        for (Path a : adapters) {
            unets.add(load(a, unet, vae));
            texts.add(loadTextEncoder(a, textEncoder, unet, vae));
        }
        return new Fused(combine(unets, strengths), combine(texts, strengths));
    }

    /** Σ λi·ΔWi over the union of the layers. */
    public static Map<String, INDArray> combine(List<Map<String, INDArray>> deltas, List<Double> strengths) {
        if (deltas.size() != strengths.size()) {
            throw new IllegalArgumentException(deltas.size() + " adapters but " + strengths.size() + " strengths");
        }
        Map<String, INDArray> sum = new LinkedHashMap<>();
        for (int i = 0; i < deltas.size(); i++) {
            double s = strengths.get(i);
            deltas.get(i).forEach((k, d) -> sum.merge(k, d.mul(s), INDArray::addi));
        }
        return sum;
    }

    /**
     * W0 ← W0 + sign·Δ for every key in a graph built with tensor-ops (conv weights held as
     * [kH, kW, in, out]); sign −1 unmerges. Every key must be a constant of the graph with Δ's shape.
     */
    public static void addInto(SameDiff sd, Map<String, INDArray> deltas, double sign) {
        for (var e : deltas.entrySet()) {
            SDVariable v = sd.getVariable(e.getKey());
            if (v == null || v.getArr() == null) throw new CheckpointException("merge: the model has no weight '" + e.getKey() + "'");
            INDArray d = e.getValue().rank() == 4 ? Conv2d.oihwToYxio(e.getValue()) : e.getValue();
            INDArray w = v.getArr();
            if (!Arrays.equals(w.shape(), d.shape())) {
                throw new CheckpointException("merge: weight '" + e.getKey() + "' has shape " + Arrays.toString(w.shape())
                        + ", the update " + Arrays.toString(d.shape()));
            }
            v.setArray(w.add(d.castTo(w.dataType()).mul(sign)));
        }
    }
}
