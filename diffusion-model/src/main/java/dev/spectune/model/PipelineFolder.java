/*
 * PipelineFolder: writes a diffusers StableDiffusionPipeline folder — model_index.json, the
 * components' config.json files (the keys diffusers' and transformers' from_pretrained read), a
 * CLIP tokenizer (vocab.json, merges.txt), a DDIM scheduler config (the training schedule's betas)
 * and one safetensors file per
 * weighted component — from the configs and state dicts in PyTorch layout. What `TinyModel` (the
 * random demo model) and the world pretraining (its trained model) write; StableDiffusionPipeline
 * opens the result like any downloaded model.
 */
package dev.spectune.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class PipelineFolder {
    private PipelineFolder() {}

    /** A CLIP BPE tokenizer: token → id, and the merge rules in rank order ("a b" per rule). */
    public record Tokenizer(Map<String, Integer> vocabulary, List<String> merges) {}

    /** The three weighted components' state dicts (PyTorch layout, by checkpoint key). */
    public record Weights(Map<String, INDArray> unet, Map<String, INDArray> vae, Map<String, INDArray> textEncoder) {}

    /**
     * Writes the pipeline into {@code folder} (created; files in it are overwritten).
     *
     * @param dtype the stored type of every weight (F32, or F16 to halve the files)
     * @param note  the safetensors metadata "note" of each weight file (where the weights come from)
     */
    public static void write(Path folder, UNetConfig unet, VaeConfig vae, TextEncoderConfig text, Tokenizer tokenizer, Weights weights,
                             SchedulerConfig schedule, DType dtype, String note) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String c : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) Files.createDirectories(folder.resolve(c));
        weights(folder.resolve("unet/diffusion_pytorch_model.safetensors"), weights.unet(), dtype, note);
        weights(folder.resolve("vae/diffusion_pytorch_model.safetensors"), weights.vae(), dtype, note);
        weights(folder.resolve("text_encoder/model.safetensors"), weights.textEncoder(), dtype, note);
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("unet/config.json").toFile(), unetJson(json, unet));
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("vae/config.json").toFile(), vaeJson(json, vae));
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("text_encoder/config.json").toFile(), textJson(json, text));
        json.writeValue(folder.resolve("tokenizer/vocab.json").toFile(), tokenizer.vocabulary());
        Files.writeString(folder.resolve("tokenizer/merges.txt"), "#version: 0.2\n" + String.join("\n", tokenizer.merges()) + (tokenizer.merges().isEmpty() ? "" : "\n"));
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("tokenizer/tokenizer_config.json").toFile(), json.createObjectNode()
                .put("pad_token", "<|endoftext|>").put("unk_token", "<|endoftext|>").put("bos_token", "<|startoftext|>")
                .put("eos_token", "<|endoftext|>").put("model_max_length", text.maxPositionEmbeddings()));
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("scheduler/scheduler_config.json").toFile(), json.createObjectNode()
                .put("_class_name", "DDIMScheduler").put("beta_start", schedule.betaStart()).put("beta_end", schedule.betaEnd())
                .put("beta_schedule", schedule.betaSchedule()).put("num_train_timesteps", schedule.numTrainTimesteps()).put("set_alpha_to_one", false)
                .put("steps_offset", 1).put("clip_sample", false).put("prediction_type", schedule.predictionType()));
        ObjectNode index = json.createObjectNode().put("_class_name", "StableDiffusionPipeline");
        for (String[] c : new String[][] {{"unet", "diffusers", "UNet2DConditionModel"}, {"vae", "diffusers", "AutoencoderKL"},
                {"text_encoder", "transformers", "CLIPTextModel"}, {"tokenizer", "transformers", "CLIPTokenizer"}, {"scheduler", "diffusers", "DDIMScheduler"}}) {
            index.putArray(c[0]).add(c[1]).add(c[2]);
        }
        json.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("model_index.json").toFile(), index);
    }

    /** diffusers' UNet2DConditionModel config (attention_head_dim carries the head counts, as SD-1.x configs do). */
    static ObjectNode unetJson(ObjectMapper json, UNetConfig c) {
        ObjectNode n = json.createObjectNode().put("_class_name", "UNet2DConditionModel").put("in_channels", c.inChannels()).put("out_channels", c.outChannels());
        ints(n.putArray("block_out_channels"), c.blockOutChannels());
        c.downBlockTypes().forEach(n.putArray("down_block_types")::add);
        c.upBlockTypes().forEach(n.putArray("up_block_types")::add);
        n.put("mid_block_type", c.midBlockType()).put("layers_per_block", c.layersPerBlock());
        ints(n.putArray("attention_head_dim"), c.attentionHeads());
        n.put("cross_attention_dim", c.crossAttentionDim()).put("transformer_layers_per_block", c.transformerLayersPerBlock())
                .put("norm_num_groups", c.normNumGroups()).put("norm_eps", c.normEps()).put("flip_sin_to_cos", c.flipSinToCos())
                .put("freq_shift", c.freqShift()).put("use_linear_projection", c.useLinearProjection()).put("upcast_attention", c.upcastAttention())
                .put("downsample_padding", c.downsamplePadding()).put("act_fn", c.actFn());
        if (c.sampleSize() != null) n.put("sample_size", c.sampleSize());
        return n;
    }

    static ObjectNode vaeJson(ObjectMapper json, VaeConfig c) {
        ObjectNode n = json.createObjectNode().put("_class_name", "AutoencoderKL").put("in_channels", c.inChannels()).put("out_channels", c.outChannels())
                .put("latent_channels", c.latentChannels());
        ints(n.putArray("block_out_channels"), c.blockOutChannels());
        ArrayNode down = n.putArray("down_block_types"), up = n.putArray("up_block_types");
        for (int i = 0; i < c.levels(); i++) {
            down.add("DownEncoderBlock2D");
            up.add("UpDecoderBlock2D");
        }
        n.put("layers_per_block", c.layersPerBlock()).put("norm_num_groups", c.normNumGroups()).put("scaling_factor", c.scalingFactor()).put("act_fn", c.actFn());
        if (c.sampleSize() != null) n.put("sample_size", c.sampleSize());
        return n;
    }

    static ObjectNode textJson(ObjectMapper json, TextEncoderConfig c) {
        ObjectNode n = json.createObjectNode().put("hidden_size", c.hiddenSize()).put("intermediate_size", c.intermediateSize())
                .put("num_hidden_layers", c.numHiddenLayers()).put("num_attention_heads", c.numAttentionHeads()).put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxPositionEmbeddings()).put("hidden_act", c.hiddenAct()).put("layer_norm_eps", c.layerNormEps())
                .put("bos_token_id", c.bosTokenId()).put("eos_token_id", c.eosTokenId()).put("pad_token_id", c.padTokenId())
                .put("projection_dim", c.projectionDim()).put("model_type", "clip_text_model");
        n.putArray("architectures").add("CLIPTextModel");
        return n;
    }

    private static void ints(ArrayNode a, List<Integer> values) {
        values.forEach(a::add);
    }

    private static void weights(Path file, Map<String, INDArray> state, DType dtype, String note) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        state.forEach((k, v) -> tensors.add(Tensor.of(k, v, dtype)));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", note));
    }
}
