/*
 * DiffusersLoraFile: the LoRA weights diffusers saves (pytorch_lora_weights.safetensors). Reads
 * both its layouts: "unet.<module>.lora.down.weight / .lora.up.weight" (attention-processor era,
 * what diffusers 0.25's save_lora_weights writes) and "unet.<module>.lora_A.weight / .lora_B.weight"
 * (peft era), with an optional "<module>.alpha" — as (A, B, scale) per weight key "<module>.weight".
 * Writes the first layout, UNet and text encoder, from updates ΔW by their truncated SVD (LowRank).
 */
package dev.spectune.adapters.io;

import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DiffusersLoraFile {
    private DiffusersLoraFile() {}

    /** One layer's LoRA: down A [r, in], up B [out, r], and the scale α/r applied to B·A. */
    public record Layer(INDArray down, INDArray up, double scale) {
        public int rank() {
            return (int) down.rows();
        }
    }

    /**
     * Writes rank-r LoRA pairs of the UNet and text-encoder updates ΔW (by diffusers key, PyTorch
     * shape) as "unet.<module>.lora.down.weight" / ".lora.up.weight" and "text_encoder.<module>…";
     * returns each layer's rank and relative error. Bias updates (IA3) have no LoRA form and are left out.
     */
    public static List<KohyaLora.Layer> write(Path file, Map<String, INDArray> unetDeltas, Map<String, INDArray> textDeltas, int rank,
                                              Map<String, String> metadata) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        List<KohyaLora.Layer> report = new ArrayList<>();
        for (var component : List.of(Map.entry("unet", unetDeltas), Map.entry("text_encoder", textDeltas))) {
            for (var e : component.getValue().entrySet()) {
                if (e.getValue().rank() < 2) continue;
                long[] shape = e.getValue().shape();
                LowRank lr = LowRank.of(e.getValue(), rank);
                String module = component.getKey() + "." + e.getKey().substring(0, e.getKey().length() - ".weight".length());
                tensors.add(Tensor.of(module + ".lora.down.weight", lr.downShaped(shape), DType.F32));
                tensors.add(Tensor.of(module + ".lora.up.weight", lr.upShaped(shape), DType.F32));
                report.add(new KohyaLora.Layer(e.getKey(), module, lr.rank(), lr.relativeError()));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "pt");
        SafetensorsWriter.write(file, tensors, meta);
        return report;
    }

    /** Layers by weight key, for keys under {@code component} ("unet" or "text_encoder"); none is an empty map (most files hold the UNet's alone). */
    public static Map<String, Layer> read(Path file, String component, DataType type) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        try (SafetensorsFile f = dev.spectune.checkpoint.TensorFiles.open(file)) {
            String prefix = component + ".";
            for (String name : f.names()) {
                if (!name.startsWith(prefix)) continue;
                String rest = name.substring(prefix.length());
                String module;
                String upName;
                if (rest.endsWith(".lora.down.weight")) {
                    module = rest.substring(0, rest.length() - ".lora.down.weight".length());
                    upName = prefix + module + ".lora.up.weight";
                } else if (rest.endsWith(".lora_A.weight")) {
                    module = rest.substring(0, rest.length() - ".lora_A.weight".length());
                    upName = prefix + module + ".lora_B.weight";
                } else {
                    continue;
                }
                if (!f.contains(upName)) throw new CheckpointException(file + ": '" + name + "' has no matching '" + upName + "'");
                INDArray down = f.read(name, type), up = f.read(upName, type);
                if (up.columns() != down.rows()) {
                    throw new CheckpointException(file + ": rank mismatch for " + module + ": down " + java.util.Arrays.toString(down.shape())
                            + ", up " + java.util.Arrays.toString(up.shape()));
                }
                String alphaName = prefix + module + ".alpha";
                double alpha = f.contains(alphaName) ? f.doubles(alphaName)[0] : down.rows();
                layers.put(module + ".weight", new Layer(down, up, alpha / down.rows()));
            }
        }
        return layers;
    }
}
