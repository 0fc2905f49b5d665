/*
 * SharedWeightsTest: two graphs of one weight source hold each constant once (the second binds the
 * first's arrays, conv layouts included, also after a collection); a trainable graph gets arrays of its own; a graph of
 * another source (even with equal values) shares nothing.
 */
package dev.spectune.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.runtime.Fixtures;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class SharedWeightsTest {

    @Test
    void graphsOfOneSourceShareTheirConstants() {
        Nd4jRuntime.init();
        Path dir = Fixtures.locate().orElseThrow().resolve("golden/unet_tiny");
        UNetConfig config = UNetConfig.fromJson(dir.resolve("config.json"));
        RandomWeights source = new RandomWeights(UNet2DConditionModel.parameterShapes(config), 3);
        ModelGraph first = UNet2DConditionModel.build(config, source, DataType.FLOAT, 1, 8, 8, 77);
        ModelGraph second = UNet2DConditionModel.build(config, source, DataType.FLOAT, 2, 8, 8, 77);
        ModelGraph trainable = UNet2DConditionModel.build(config, source, DataType.FLOAT, 1, 8, 8, 77, true);
        ModelGraph other = UNet2DConditionModel.build(config, new RandomWeights(UNet2DConditionModel.parameterShapes(config), 3), DataType.FLOAT, 1, 8, 8, 77);
        for (String key : new String[] {"conv_in.weight", "time_embedding.linear_1.weight", "conv_out.bias"}) {
            assertThat(second.sd().getArrForVarName(key)).as(key).isSameAs(first.sd().getArrForVarName(key));
            assertThat(trainable.sd().getArrForVarName(key)).as(key + " trainable").isNotSameAs(first.sd().getArrForVarName(key))
                    .isEqualTo(first.sd().getArrForVarName(key));
            assertThat(other.sd().getArrForVarName(key)).as(key + " another source").isNotSameAs(first.sd().getArrForVarName(key));
        }
    }

    /** A checkpoint's decoded weights are views SameDiff copies when it binds them: what is shared is the array the graph holds, still there after a collection. */
    @Test
    void graphsOfACheckpointShareAfterACollection() throws Exception {
        Nd4jRuntime.init();
        Path dir = Fixtures.locate().orElseThrow().resolve("golden/pipeline_tiny");
        UNetConfig config = UNetConfig.fromJson(dir.resolve("unet/config.json"));
        try (dev.spectune.checkpoint.Checkpoint cp = dev.spectune.checkpoint.Checkpoint.open(dir)) {
            ModelGraph first = UNet2DConditionModel.build(config, cp.component("unet"), DataType.FLOAT, 1, 4, 4, 77);
            Nd4jRuntime.collectGarbage();
            ModelGraph second = UNet2DConditionModel.build(config, cp.component("unet"), DataType.FLOAT, 2, 4, 4, 77);
            for (String key : new String[] {"conv_in.weight", "time_embedding.linear_1.weight", "conv_out.bias", "down_blocks.0.resnets.0.norm1.weight"}) {
                assertThat(second.sd().getArrForVarName(key)).as(key).isSameAs(first.sd().getArrForVarName(key));
            }
        }
    }

    /** transformers' position_ids buffer, which older CLIP checkpoints (SD-1.x text encoders, CLIP .bin files) saved, is not a weight: taken, not unexpected. */
    @Test
    void clipPositionIdsBuffersAreNotUnexpectedWeights() {
        Nd4jRuntime.init();
        var config = dev.spectune.checkpoint.config.TextEncoderConfig.fromJson(Fixtures.locate().orElseThrow().resolve("golden/pipeline_tiny/text_encoder/config.json"));
        java.util.Map<String, long[]> shapes = new java.util.LinkedHashMap<>(ClipTextModel.parameterShapes(config));
        shapes.put("text_model.embeddings.position_ids", new long[] {1, config.maxPositionEmbeddings()});
        ModelGraph g = ClipTextModel.build(config, new RandomWeights(shapes, 1), DataType.FLOAT, 1, 77);
        assertThat(g.hasTap("pooler_output")).isTrue();
        shapes.put("text_model.embeddings.not_a_weight", new long[] {3});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClipTextModel.build(config, new RandomWeights(shapes, 1), DataType.FLOAT, 1, 77))
                .hasMessageContaining("unexpected").hasMessageContaining("text_model.embeddings.not_a_weight").hasMessageNotContaining("position_ids");
    }
}
