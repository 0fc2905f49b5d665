/*
 * DiffusersLoraFile: reads the LoRA weights diffusers saves (pytorch_lora_weights.safetensors) —
 * both its layouts: "unet.<module>.lora.down.weight / .lora.up.weight" (attention-processor era)
 * and "unet.<module>.lora_A.weight / .lora_B.weight" (peft era), with an optional "<module>.alpha"
 * — as (A, B, scale) per UNet weight key "<module>.weight".
 */
package dev.spectune.training.io;

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

    /** Layers by UNet weight key, for keys under {@code component} ("unet" or "text_encoder"). */
    public static Map<String, Layer> read(Path file, String component, DataType type) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
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
        if (layers.isEmpty()) throw new CheckpointException(file + ": no " + component + " LoRA weights (expected " + component + ".<module>.lora.down.weight or .lora_A.weight)");
        return layers;
    }
}
