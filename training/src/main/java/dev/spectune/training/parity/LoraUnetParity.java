/*
 * LoraUnetParity: diffusers' LoRA file (pytorch_lora_weights.safetensors) loaded into the tiny
 * golden UNet through the adapter injector, run on the golden inputs, compared with
 * out_with_lora; plus the LoRA factors against peft's own (the io file's peft.* tensors).
 */
package dev.spectune.training.parity;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.Lora;
import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.parity.GoldenFolder;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.runtime.Tolerances;
import dev.spectune.training.io.DiffusersLoraFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class LoraUnetParity {
    private LoraUnetParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("lora-unet");
        try (GoldenFolder golden = GoldenFolder.open(folder)) {
            String base = golden.metadata("base_unet");
            Path unetFolder = folder.resolveSibling(base == null ? "unet_tiny" : base.replace("/", ""));
            Map<String, DiffusersLoraFile.Layer> lora = DiffusersLoraFile.read(folder.resolve("pytorch_lora_weights.safetensors"), "unet", DataType.FLOAT);
            for (var e : lora.entrySet()) {
                String module = e.getKey().substring(0, e.getKey().length() - ".weight".length());
                if (golden.has("peft." + module + ".lora_A.weight")) {
                    r.compare("lora_A " + module, e.getValue().down(), golden.get("peft." + module + ".lora_A.weight", DataType.FLOAT), 0);
                    r.compare("lora_B " + module, e.getValue().up(), golden.get("peft." + module + ".lora_B.weight", DataType.FLOAT), 0);
                }
            }
            UNetConfig config = UNetConfig.fromJson(unetFolder.resolve("config.json"));
            INDArray sample = golden.get("sample", DataType.FLOAT), context = golden.get("encoder_hidden_states", DataType.FLOAT);
            int batch = (int) sample.size(0);
            INDArray t = golden.get("timesteps", DataType.FLOAT);
            if (t.length() == 1) t = Nd4j.valueArrayOf(new long[] {batch}, t.getDouble(0), DataType.FLOAT);
            try (WeightSource weights = Checkpoint.openComponentFolder(unetFolder)) {
                ModelGraph g = UNet2DConditionModel.build(config, weights, DataType.FLOAT, batch, (int) sample.size(2), (int) sample.size(3), (int) context.size(1));
                Pattern keys = Pattern.compile(String.join("|", lora.keySet().stream().map(Pattern::quote).toList()));
                List<AdaptedWeight> adapted = AdapterInjector.inject(g.sd(), keys, (sd, key, w0) -> {
                    DiffusersLoraFile.Layer layer = lora.get(key);
                    AdaptedWeight a = Lora.build(sd, key, w0, new Lora.Options(layer.rank(), layer.scale() * layer.rank(), false, 0));
                    a.parameters().get(0).value().assign(layer.down());
                    a.parameters().get(1).value().assign(layer.up());
                    return a;
                });
                r.check("layers adapted (" + adapted.size() + " of " + lora.size() + " in the file)", lora.size() - adapted.size(), 0, "");
                INDArray out = g.run(Map.of("sample", sample, "timestep", t.reshape(batch), "encoder_hidden_states", context), "out").get("out");
                r.compare("out_with_lora", out, golden.get("out_with_lora", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            }
        }
        return r;
    }
}
