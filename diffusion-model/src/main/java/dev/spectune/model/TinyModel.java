/*
 * TinyModel: the embedded default model of the demo — a miniature Stable Diffusion (UNet with
 * blocks (32, 64) and one cross-attention level, a 2-level KL VAE, a 2-layer CLIP text encoder and
 * a byte-level CLIP tokenizer with no merges), written as an ordinary diffusers pipeline folder
 * with seeded random weights. Everything downstream opens it like any downloaded model.
 */
package dev.spectune.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.checkpoint.tokenizer.ByteUnicode;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.RandomWeights;
import dev.spectune.model.UNet2DConditionModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

public final class TinyModel {
    private TinyModel() {}

    public static final UNetConfig UNET = UNetConfig.defaults(List.of(32, 64), List.of("CrossAttnDownBlock2D", "DownBlock2D"),
            List.of("UpBlock2D", "CrossAttnUpBlock2D"), 32).withLayersPerBlock(1).withNormGroups(8).withSampleSize(16);
    public static final VaeConfig VAE = new VaeConfig(3, 3, 4, List.of(32, 64), 1, 8, 0.18215, "silu", 32);

    /** Byte-level CLIP vocabulary: 256 byte symbols, the same with "</w>", then BOS and EOS. */
    static Map<String, Integer> vocabulary() {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) v.put(String.valueOf(ByteUnicode.of((byte) b)), v.size());
        for (int b = 0; b < 256; b++) v.put(ByteUnicode.of((byte) b) + "</w>", v.size());
        v.put("<|startoftext|>", v.size());
        v.put("<|endoftext|>", v.size());
        return v;
    }

    public static TextEncoderConfig textEncoder() {
        int vocab = vocabulary().size();
        return new TextEncoderConfig(vocab, 32, 64, 2, 4, 77, "quick_gelu", 1e-5, vocab - 2, vocab - 1, vocab - 1, 32);
    }

    /** Writes the pipeline folder (idempotent: an existing folder is left as it is). */
    public static Path write(Path folder, long seed) throws IOException {
        if (Files.isRegularFile(folder.resolve("model_index.json"))) return folder;
        ObjectMapper json = new ObjectMapper();
        Files.createDirectories(folder);
        weights(folder.resolve("unet/diffusion_pytorch_model.safetensors"), UNet2DConditionModel.parameterShapes(UNET), seed);
        weights(folder.resolve("vae/diffusion_pytorch_model.safetensors"), AutoencoderKL.parameterShapes(VAE), seed + 1);
        weights(folder.resolve("text_encoder/model.safetensors"), ClipTextModel.parameterShapes(textEncoder()), seed + 2);
        ObjectNode unet = json.createObjectNode().put("_class_name", "UNet2DConditionModel").put("in_channels", 4).put("out_channels", 4)
                .put("layers_per_block", 1).put("cross_attention_dim", 32).put("attention_head_dim", 8).put("norm_num_groups", 8).put("sample_size", 16);
        unet.putArray("block_out_channels").add(32).add(64);
        unet.putArray("down_block_types").add("CrossAttnDownBlock2D").add("DownBlock2D");
        unet.putArray("up_block_types").add("UpBlock2D").add("CrossAttnUpBlock2D");
        json.writeValue(folder.resolve("unet/config.json").toFile(), unet);
        ObjectNode vae = json.createObjectNode().put("_class_name", "AutoencoderKL").put("latent_channels", 4).put("layers_per_block", 1)
                .put("norm_num_groups", 8).put("sample_size", 32).put("scaling_factor", 0.18215);
        vae.putArray("block_out_channels").add(32).add(64);
        json.writeValue(folder.resolve("vae/config.json").toFile(), vae);
        TextEncoderConfig t = textEncoder();
        ObjectNode text = json.createObjectNode().put("hidden_size", 32).put("intermediate_size", 64).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("vocab_size", t.vocabSize()).put("max_position_embeddings", 77).put("hidden_act", "quick_gelu")
                .put("bos_token_id", t.bosTokenId()).put("eos_token_id", t.eosTokenId()).put("pad_token_id", t.padTokenId());
        text.putArray("architectures").add("CLIPTextModel");
        json.writeValue(folder.resolve("text_encoder/config.json").toFile(), text);
        Files.createDirectories(folder.resolve("scheduler"));
        json.writeValue(folder.resolve("scheduler/scheduler_config.json").toFile(), json.createObjectNode().put("_class_name", "DDIMScheduler")
                .put("beta_start", 0.00085).put("beta_end", 0.012).put("beta_schedule", "scaled_linear").put("num_train_timesteps", 1000)
                .put("set_alpha_to_one", false).put("steps_offset", 1).put("clip_sample", false).put("prediction_type", "epsilon"));
        Files.createDirectories(folder.resolve("tokenizer"));
        json.writeValue(folder.resolve("tokenizer/vocab.json").toFile(), vocabulary());
        Files.writeString(folder.resolve("tokenizer/merges.txt"), "#version: 0.2\n");
        json.writeValue(folder.resolve("tokenizer/tokenizer_config.json").toFile(), json.createObjectNode().put("pad_token", "<|endoftext|>")
                .put("unk_token", "<|endoftext|>").put("model_max_length", 77));
        ObjectNode index = json.createObjectNode().put("_class_name", "StableDiffusionPipeline");
        for (String[] c : new String[][] {{"unet", "diffusers", "UNet2DConditionModel"}, {"vae", "diffusers", "AutoencoderKL"},
                {"text_encoder", "transformers", "CLIPTextModel"}, {"tokenizer", "transformers", "CLIPTokenizer"}, {"scheduler", "diffusers", "DDIMScheduler"}}) {
            index.putArray(c[0]).add(c[1]).add(c[2]);
        }
        json.writeValue(folder.resolve("model_index.json").toFile(), index);
        return folder;
    }

    private static void weights(Path file, Map<String, long[]> shapes, long seed) throws IOException {
        RandomWeights w = new RandomWeights(shapes, seed);
        List<Tensor> tensors = new ArrayList<>();
        for (String k : shapes.keySet()) tensors.add(Tensor.of(k, w.read(k, DataType.FLOAT), DType.F32));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", "spectune demo: seeded random weights"));
    }
}
