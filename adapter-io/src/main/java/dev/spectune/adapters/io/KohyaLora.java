/*
 * KohyaLora: any adapter as a LoRA file in kohya's format (sd-scripts' networks.lora; what A1111,
 * ComfyUI and stable-diffusion.cpp load): per module "<kohya name>.lora_down.weight" [r, in]
 * ([r, in, kh, kw] for a conv), ".lora_up.weight" [out, r] ([out, r, 1, 1]) and ".alpha" = r, so
 * the update is up·down·alpha/r = up·down. SODA, Spectral Adapter, OFT … updates are not low rank:
 * each ΔW is approximated by its truncated SVD (LowRank), and the relative error
 * ‖ΔW − up·down‖_F / ‖ΔW‖_F reported per layer. Names come from NameMapping.toKohya: UNet modules
 * "lora_unet_…" as sd-scripts names SD-1.x modules (diffusers paths) or, on request, the original
 * checkpoint's (LDM) ones; text-encoder modules "lora_te_…" (one file holds both, as sd-scripts
 * writes them). Reading accepts either UNet spelling.
 */
package dev.spectune.adapters.io;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.names.Component;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.checkpoint.names.NameMapping;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class KohyaLora {
    private KohyaLora() {}

    /** One module's approximation. */
    public record Layer(String key, String kohyaName, int rank, double relativeError) {}

    /**
     * Writes the rank-r approximation of UNet and text-encoder updates ΔW (by diffusers key, PyTorch shape).
     * @return per-layer rank and relative error, UNet then text encoder, in key order
     */
    public static List<Layer> write(Path file, Map<String, INDArray> unetDeltas, Map<String, INDArray> textDeltas, NameMapping.KohyaNames names,
                                    LdmLayout layout, int rank, Map<String, String> metadata) throws IOException {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        List<Tensor> tensors = new ArrayList<>();
        List<Layer> report = new ArrayList<>();
        approximate(unetDeltas, Component.UNET, names, layout, rank, tensors, report);
        approximate(textDeltas, Component.TEXT_ENCODER, names, layout, rank, tensors, report);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("ss_network_module", "networks.lora");
        int used = report.stream().mapToInt(Layer::rank).max().orElse(rank);                // a layer narrower than --rank keeps its full rank
        meta.put("ss_network_dim", Integer.toString(used));
        meta.put("ss_network_alpha", Integer.toString(used));
        SafetensorsWriter.write(file, tensors, meta);
        return report;
    }

    private static void approximate(Map<String, INDArray> deltas, Component component, NameMapping.KohyaNames names, LdmLayout layout, int rank,
                                    List<Tensor> tensors, List<Layer> report) {
        for (var e : deltas.entrySet()) {
            if (e.getValue().rank() < 2) continue;                                            // a bias update (IA3) has no LoRA form
            long[] shape = e.getValue().shape();
            LowRank lr = LowRank.of(e.getValue(), rank);
            String name = NameMapping.toKohya(component, e.getKey(), names, layout);
            tensors.add(Tensor.of(name + ".lora_down.weight", lr.downShaped(shape), DType.F32));
            tensors.add(Tensor.of(name + ".lora_up.weight", lr.upShaped(shape), DType.F32));
            tensors.add(Tensor.of(name + ".alpha", Nd4j.scalar(DataType.FLOAT, (float) lr.rank()), DType.F32));
            report.add(new Layer(e.getKey(), name, lr.rank(), lr.relativeError()));
        }
    }

    /** The UNet updates up·down·alpha/r of a kohya LoRA file, by diffusers key in PyTorch shape; unknown module names are errors. */
    public static Map<String, INDArray> read(Path file, Map<String, long[]> unetShapes, LdmLayout layout) {
        return read(file, Component.UNET, unetShapes, layout);
    }

    /** The updates of one component ("lora_unet_…" or "lora_te_…" modules), by diffusers key in PyTorch shape; none is an empty map. */
    public static Map<String, INDArray> read(Path file, Component component, Map<String, long[]> shapes, LdmLayout layout) {
        String prefix = component == Component.UNET ? "lora_unet_" : "lora_te_";
        Map<String, String> byName = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            if (e.getKey().endsWith(".weight") && (e.getValue().length == 2 || e.getValue().length == 4)) {
                for (NameMapping.KohyaNames names : NameMapping.KohyaNames.values()) {
                    if (names == NameMapping.KohyaNames.LDM && (layout == null || component != Component.UNET)) continue;
                    byName.put(NameMapping.toKohya(component, e.getKey(), names, layout), e.getKey());
                }
            }
        }
        Map<String, INDArray> deltas = new LinkedHashMap<>();
        try (SafetensorsFile f = dev.spectune.checkpoint.TensorFiles.open(file)) {
            for (String n : f.names()) {
                if (!n.endsWith(".lora_down.weight")) continue;
                String module = n.substring(0, n.length() - ".lora_down.weight".length());
                if (!module.startsWith(prefix)) continue;                                      // the other component's modules
                String key = byName.get(module);
                if (key == null) throw new CheckpointException(file + ": LoRA module '" + module + "' matches no " + component.folder() + " weight of this model");
                INDArray down = f.read(n, DataType.FLOAT), up = f.read(module + ".lora_up.weight", DataType.FLOAT);
                int r = (int) down.size(0);
                double alpha = f.contains(module + ".alpha") ? f.read(module + ".alpha", DataType.FLOAT).getDouble(0) : r;
                if (alpha == 0) alpha = r;                                                // sd-scripts' networks.lora reads alpha 0 as alpha = rank
                long[] shape = shapes.get(key);
                INDArray delta = up.reshape(shape[0], r).mmul(down.reshape(r, down.length() / r)).muli(alpha / r);
                deltas.put(key, delta.reshape(shape));
            }
        }
        if (deltas.isEmpty() && component == Component.UNET) throw new CheckpointException(file + ": no kohya UNet LoRA modules (lora_unet_…lora_down.weight) found");
        return deltas;
    }
}
