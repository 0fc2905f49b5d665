/*
 * TextConditioningTest: when the text encoder trains with the UNet, every pass of the training
 * step feeds the UNet that batch's text embeddings — not the first batch's, which a compiled plan
 * would keep reading if the step swapped the array instead of writing into it (a regression: a
 * world model trained so ignored its prompts).
 */
package dev.spectune.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.RandomWeights;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.training.TrainableTextEncoder;
import dev.spectune.training.TrainingStep;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TextConditioningTest {

    private static final WorldModelSpec SPEC = WorldModelSpec.TEST;
    private static final ClipTokenizer TOKENIZER = WorldTokenizer.tokenizer(WorldTokenizer.build());

    private static TrainingStep step() {
        var textConfig = SPEC.text(TOKENIZER.vocabSize());
        int latent = SPEC.latentSide();
        ModelGraph unet = UNet2DConditionModel.build(SPEC.unet(), new RandomWeights(UNet2DConditionModel.parameterShapes(SPEC.unet()), 1), DataType.FLOAT,
                2, latent, latent, ClipTokenizer.MODEL_MAX_LENGTH, true);
        ModelGraph text = ClipTextModel.build(textConfig, new RandomWeights(ClipTextModel.parameterShapes(textConfig), 2), DataType.FLOAT, 2,
                ClipTokenizer.MODEL_MAX_LENGTH, true);
        TrainableTextEncoder encoder = new TrainableTextEncoder(textConfig, text, List.of(), names(text), 2, ClipTokenizer.MODEL_MAX_LENGTH);
        return new TrainingStep(unet, new DdpmScheduler(SPEC.schedule(Pretraining.Settings.EPSILON)), false, encoder, names(unet), 0, false);
    }

    private static List<String> names(ModelGraph g) {
        List<String> out = new ArrayList<>();
        for (SDVariable v : g.sd().variables()) if (v.getVariableType() == VariableType.VARIABLE) out.add(v.name());
        return out;
    }

    private static TrainingStep.Batch batch(String prompt) {
        Nd4j.getRandom().setSeed(3);
        int latent = SPEC.latentSide();
        INDArray z0 = Nd4j.randn(DataType.FLOAT, 2, SPEC.latentChannels(), latent, latent), eps = Nd4j.randn(DataType.FLOAT, 2, SPEC.latentChannels(), latent, latent);
        int[] row = TOKENIZER.encodeForModel(prompt, ClipTokenizer.MODEL_MAX_LENGTH).ids();
        long[] ids = new long[2 * row.length];
        for (int i = 0; i < ids.length; i++) ids[i] = row[i % row.length];
        return new TrainingStep.Batch(z0, eps, new int[] {400, 400}, null, Nd4j.createFromArray(ids).reshape(2, row.length), Nd4j.ones(DataType.FLOAT, 2, 1, 1, 1));
    }

    @Test
    void eachPassFeedsTheUNetItsOwnBatchsText() {
        TrainingStep step = step();
        INDArray first = step.forwardBackward(batch("a red circle on a blue background"), false, 0).prediction().dup();
        INDArray second = step.forwardBackward(batch("a large green star at the top left"), false, 0).prediction().dup();
        INDArray fresh = step().forwardBackward(batch("a large green star at the top left"), false, 0).prediction();
        assertThat(second.equalsWithEps(fresh, 1e-6)).as("the second pass sees its own prompt, as a fresh step does").isTrue();
        assertThat(second.equalsWithEps(first, 1e-6)).as("another prompt changes the prediction").isFalse();
    }
}
