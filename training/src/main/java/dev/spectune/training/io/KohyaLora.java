/*
 * KohyaLora: any adapter as a LoRA file in kohya's format (sd-scripts' networks.lora; what A1111,
 * ComfyUI and stable-diffusion.cpp load): per module "<kohya name>.lora_down.weight" [r, in]
 * ([r, in, kh, kw] for a conv), ".lora_up.weight" [out, r] ([out, r, 1, 1]) and ".alpha" = r, so
 * the update is up·down·alpha/r = up·down. SODA, Spectral Adapter, OFT … updates are not low rank:
 * each ΔW is approximated by its truncated SVD, ΔW ≈ U_r·Σ_r·V_rᵀ (Eckart–Young: the best rank-r
 * approximation in Frobenius norm), with up = U_r·√Σ_r and down = √Σ_r·V_rᵀ, and the relative error
 * ‖ΔW − up·down‖_F / ‖ΔW‖_F reported per layer. Names come from NameMapping.toKohya.
 */
package dev.spectune.training.io;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.names.Component;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.checkpoint.names.NameMapping;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.linalg.Svd;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

public final class KohyaLora {
    private KohyaLora() {}

    /** One module's approximation. */
    public record Layer(String key, String kohyaName, int rank, double relativeError) {}

    /**
     * Writes the rank-r approximation of UNet updates ΔW (by diffusers key, PyTorch shape).
     * @return per-layer rank and relative error, in key order
     */
    public static List<Layer> write(Path file, Map<String, INDArray> deltas, LdmLayout layout, int rank, Map<String, String> metadata) throws IOException {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        List<Tensor> tensors = new ArrayList<>();
        List<Layer> report = new ArrayList<>();
        for (var e : deltas.entrySet()) {
            INDArray delta = e.getValue();
            long[] shape = delta.shape();
            long out = shape[0], in = delta.length() / out;
            INDArray m = delta.reshape(out, in).castTo(DataType.DOUBLE);
            Svd svd = Svd.of(m);
            int r = (int) Math.min(rank, svd.s().length());
            INDArray root = Transforms.sqrt(svd.s().get(NDArrayIndex.interval(0, r)), true);                      // [r]
            INDArray up = svd.u().get(NDArrayIndex.all(), NDArrayIndex.interval(0, r)).mulRowVector(root);         // [out, r]
            INDArray down = svd.vt().get(NDArrayIndex.interval(0, r), NDArrayIndex.all()).mulColumnVector(root.reshape(r, 1)); // [r, in]
            double norm = m.norm2Number().doubleValue();
            double error = norm == 0 ? 0 : m.sub(up.mmul(down)).norm2Number().doubleValue() / norm;
            String name = NameMapping.toKohya(Component.UNET, e.getKey(), layout);
            boolean conv = shape.length == 4;
            tensors.add(Tensor.of(name + ".lora_down.weight", conv ? down.reshape(r, shape[1], shape[2], shape[3]) : down, DType.F32));
            tensors.add(Tensor.of(name + ".lora_up.weight", conv ? up.reshape(out, r, 1, 1) : up, DType.F32));
            tensors.add(Tensor.of(name + ".alpha", Nd4j.scalar(DataType.FLOAT, (float) r), DType.F32));
            report.add(new Layer(e.getKey(), name, r, error));
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("ss_network_module", "networks.lora");
        meta.put("ss_network_dim", Integer.toString(rank));
        meta.put("ss_network_alpha", Integer.toString(rank));
        SafetensorsWriter.write(file, tensors, meta);
        return report;
    }

    /** The UNet updates up·down·alpha/r of a kohya LoRA file, by diffusers key in PyTorch shape; unknown module names are errors. */
    public static Map<String, INDArray> read(Path file, Map<String, long[]> unetShapes, LdmLayout layout) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (var e : unetShapes.entrySet()) {
            if (e.getKey().endsWith(".weight") && (e.getValue().length == 2 || e.getValue().length == 4)) {
                byName.put(NameMapping.toKohya(Component.UNET, e.getKey(), layout), e.getKey());
            }
        }
        Map<String, INDArray> deltas = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                if (!n.endsWith(".lora_down.weight")) continue;
                String module = n.substring(0, n.length() - ".lora_down.weight".length());
                if (module.startsWith("lora_te_")) continue;                                   // text-encoder modules: not merged here
                String key = byName.get(module);
                if (key == null) throw new CheckpointException(file + ": LoRA module '" + module + "' matches no UNet weight of this model");
                INDArray down = f.read(n, DataType.FLOAT), up = f.read(module + ".lora_up.weight", DataType.FLOAT);
                int r = (int) down.size(0);
                double alpha = f.contains(module + ".alpha") ? f.read(module + ".alpha", DataType.FLOAT).getDouble(0) : r;
                long[] shape = unetShapes.get(key);
                INDArray delta = up.reshape(shape[0], r).mmul(down.reshape(r, down.length() / r)).muli(alpha / r);
                deltas.put(key, delta.reshape(shape));
            }
        }
        if (deltas.isEmpty()) throw new CheckpointException(file + ": no kohya LoRA modules (…lora_down.weight) found");
        return deltas;
    }
}
