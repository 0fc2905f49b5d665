/*
 * LoraUnetParity: diffusers' LoRA file (pytorch_lora_weights.safetensors, peft LoRA on the tiny
 * golden UNet) applied the way `spectune sample --adapter FILE` applies it — AdapterMerge.load
 * reads the file into per-layer updates ΔW = scale·up·down and AdapterMerge.addInto merges them
 * into the UNet's weights — then run on the golden inputs and compared with out_with_lora. The file
 * reader's factors are compared with peft's own (the io file's peft.* tensors) and its rank and
 * scale with the run's settings in the metadata (r, lora_alpha, scale). The base UNet is the
 * golden folder the metadata's base_unet names.
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.runtime.Tolerances;
import dev.spectune.adapters.io.AdapterMerge;
import dev.spectune.adapters.io.DiffusersLoraFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class LoraUnetParity {
    private LoraUnetParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("lora-unet");
        Path file = folder.resolve("pytorch_lora_weights.safetensors");
        try (GoldenFile golden = r.openIo(folder)) {
            String base = golden.requireMetadata("base_unet");                                        // the golden UNet folder the LoRA was trained on
            Path unetFolder = folder.resolveSibling(base.replace("/", ""));
            Map<String, DiffusersLoraFile.Layer> lora = DiffusersLoraFile.read(file, "unet", DataType.FLOAT);
            double expectedScale = Double.parseDouble(golden.requireMetadata("lora_alpha")) / Double.parseDouble(golden.requireMetadata("r"))
                    * Double.parseDouble(golden.requireMetadata("scale"));
            for (var e : lora.entrySet()) {
                String module = e.getKey().substring(0, e.getKey().length() - ".weight".length());
                r.compare("lora_A " + module, e.getValue().down(), golden.get("peft." + module + ".lora_A.weight", DataType.FLOAT), 0);
                r.compare("lora_B " + module, e.getValue().up(), golden.get("peft." + module + ".lora_B.weight", DataType.FLOAT), 0);
                r.check("rank and scale of " + module + " (|rank − r| + |scale − lora_alpha/r·scale|)",
                        Math.abs(e.getValue().rank() - Integer.parseInt(golden.requireMetadata("r"))) + Math.abs(e.getValue().scale() - expectedScale), 0, "");
            }
            UNetConfig config = UNetConfig.fromJson(unetFolder.resolve("config.json"));
            INDArray sample = golden.get("sample", DataType.FLOAT), context = golden.get("encoder_hidden_states", DataType.FLOAT);
            int batch = (int) sample.size(0);
            INDArray t = golden.get("timesteps", DataType.FLOAT);
            if (t.length() == 1) t = Nd4j.valueArrayOf(new long[] {batch}, t.getDouble(0), DataType.FLOAT);
            try (WeightSource weights = Checkpoint.openComponentFolder(unetFolder)) {
                ModelGraph g = UNet2DConditionModel.build(config, weights, DataType.FLOAT, batch, (int) sample.size(2), (int) sample.size(3), (int) context.size(1));
                Map<String, INDArray> deltas = AdapterMerge.load(file, weights, null);
                r.check("layers updated (" + deltas.size() + " of " + lora.size() + " in the file)", lora.size() - deltas.size(), 0, "");
                AdapterMerge.addInto(g.sd(), deltas, 1);
                INDArray out = g.run(Map.of("sample", sample, "timestep", t.reshape(batch), "encoder_hidden_states", context), "out").get("out");
                r.compare("out_with_lora (merged as sample merges it)", out, golden.get("out_with_lora", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return r;
    }
}
