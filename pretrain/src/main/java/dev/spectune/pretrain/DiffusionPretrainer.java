/*
 * DiffusionPretrainer: the second pretraining stage — the UNet and the CLIP text encoder trained
 * together from their random initialisations on world scenes, as a latent diffusion model is
 * trained (Rombach et al. 2022, §3.3; diffusers' train_text_to_image.py): the scene through the
 * trained, frozen autoencoder's encoder (posterior mean · scaling factor), t ~ U{0, …, 999},
 * ε ~ N(0, I), and the project's own training step (TrainingStep: z_t, ε̂ = UNet(z_t, t, CLIP(ids)),
 * MSE against ε weighted by min-SNR-γ — Hang et al. 2023, "Efficient Diffusion Training via Min-SNR
 * Weighting Strategy", which converges several times faster — the chain rule into the text
 * encoder) with every weight of both models trained.
 * Captions are dropped to "" at a rate, so the model also learns the unconditional prediction that
 * classifier-free guidance needs.
 */
package dev.spectune.pretrain;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.SchedulerConfig;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ClipTextModel;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.StateDict;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.model.WeightBinder;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.training.DreamBoothTrainer;
import dev.spectune.training.TrainableTextEncoder;
import dev.spectune.training.TrainingStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

final class DiffusionPretrainer {

    /** A step's loss and gradient norm. */
    record StepResult(double loss, double gradNorm) {}

    private final UNetConfig unetConfig;
    private final TextEncoderConfig textConfig;
    private final VaeConfig vaeConfig;
    private final ClipTokenizer tokenizer;
    private final ModelGraph encoder;
    private final TrainingStep trainingStep;
    private final DdpmScheduler noise;
    private final FullOptimisation optimisation;
    private final int batch, side;
    private final double captionDropout, snrGamma;
    private final boolean velocity;                                                              // v-prediction (the schedule's prediction_type)

    DiffusionPretrainer(UNetConfig unetConfig, TextEncoderConfig textConfig, VaeConfig vaeConfig, Map<String, INDArray> vaeWeights, ClipTokenizer tokenizer,
                        WeightSource unetInitial, WeightSource textInitial, SchedulerConfig schedule, int batch, int side, double captionDropout,
                        double snrGamma, FullOptimisation.Settings settings) {
        this.snrGamma = snrGamma;
        this.velocity = schedule.predictionType().equals("v_prediction");
        this.noise = new DdpmScheduler(schedule);
        this.unetConfig = unetConfig;
        this.textConfig = textConfig;
        this.vaeConfig = vaeConfig;
        this.tokenizer = tokenizer;
        this.batch = batch;
        this.side = side;
        this.captionDropout = captionDropout;
        this.encoder = AutoencoderKL.encoder(vaeConfig, new StateDict("the trained autoencoder", vaeWeights), DataType.FLOAT, batch, side, side);
        int latent = side / AutoencoderKL.factor(vaeConfig);
        ModelGraph unet = UNet2DConditionModel.build(unetConfig, unetInitial, DataType.FLOAT, batch, latent, latent, ClipTokenizer.MODEL_MAX_LENGTH, true);
        ModelGraph text = ClipTextModel.build(textConfig, textInitial, DataType.FLOAT, batch, ClipTokenizer.MODEL_MAX_LENGTH, true);
        Map<String, INDArray> values = new LinkedHashMap<>();
        List<String> unetNames = variables(unet.sd(), values), textNames = variables(text.sd(), values);
        TrainableTextEncoder trainedText = new TrainableTextEncoder(textConfig, text, List.of(), textNames, batch, ClipTokenizer.MODEL_MAX_LENGTH);
        this.trainingStep = new TrainingStep(unet, noise, velocity, trainedText, unetNames, 0, false);
        this.optimisation = new FullOptimisation(values, settings);
    }

    /** The graph's trainable variables (names in graph order), their arrays added to {@code values}. */
    private static List<String> variables(SameDiff sd, Map<String, INDArray> values) {
        List<String> names = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() != VariableType.VARIABLE) continue;
            if (values.containsKey(v.name())) throw new IllegalStateException("two models share the weight name " + v.name());
            names.add(v.name());
            values.put(v.name(), v.getArr());
        }
        return names;
    }

    /** One step on the world batch, noise and timesteps drawn from {@code random}. */
    StepResult step(int step, Random random) {
        WorldData.Batch data = WorldData.draw(random, batch, side, captionDropout);
        int f = AutoencoderKL.factor(vaeConfig), latent = side / f;
        INDArray z0 = encoder.run(Map.of("image", data.images(), "eps", Nd4j.zeros(DataType.FLOAT, batch, vaeConfig.latentChannels(), latent, latent)),
                "mean_scaled").get("mean_scaled");                                           // [B, L, h, w]
        INDArray eps = DreamBoothTrainer.gaussian(random, z0.shape());                              // [B, L, h, w]
        int[] t = new int[batch];
        for (int i = 0; i < batch; i++) t[i] = random.nextInt(noise.schedule().size());
        long[] ids = new long[batch * ClipTokenizer.MODEL_MAX_LENGTH];
        for (int b = 0; b < batch; b++) {
            int[] row = tokenizer.encodeForModel(data.captions().get(b), ClipTokenizer.MODEL_MAX_LENGTH).ids();
            for (int i = 0; i < row.length; i++) ids[b * ClipTokenizer.MODEL_MAX_LENGTH + i] = row[i];
        }
        float[] weights = new float[batch];                                                      // min-SNR-γ (Hang et al. 2023), or 1
        for (int i = 0; i < batch; i++) weights[i] = snrGamma > 0 ? (float) DreamBoothTrainer.minSnrWeight(noise.schedule().alphasCumprod()[t[i]], snrGamma, velocity) : 1f;
        TrainingStep.Result r = trainingStep.forwardBackward(new TrainingStep.Batch(z0, eps, t, null,
                Nd4j.createFromArray(ids).reshape(batch, ClipTokenizer.MODEL_MAX_LENGTH), Nd4j.createFromArray(weights).reshape(batch, 1, 1, 1)), false, 0);
        if (!Double.isFinite(r.loss())) {
            String where = trainingStep.firstNonFinite();
            throw new IllegalStateException("diffusion step " + (step + 1) + ": the loss is " + r.loss() + "; stopped before updating"
                    + (where == null ? "" : " (first non-finite value: " + where + ")") + " (lower --lr)");
        }
        double norm = optimisation.step(step, new LinkedHashMap<>(r.gradients()));
        return new StepResult(r.loss(), norm);
    }

    double learningRate(int step) {
        return optimisation.learningRate(step);
    }

    /** The UNet's shipped weights (the moving average) as a state dict. */
    Map<String, INDArray> unetWeights() {
        return WeightBinder.export(optimisation.shipped(), UNet2DConditionModel.parameterShapes(unetConfig));
    }

    Map<String, INDArray> textWeights() {
        return WeightBinder.export(optimisation.shipped(), ClipTextModel.parameterShapes(textConfig));
    }

    void exportTo(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        optimisation.exportTo("diffusion/", tensors, scalars);
    }

    void restore(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        optimisation.restore("diffusion/", tensors, scalars);
    }

    void releaseBuffers() {
        trainingStep.releaseBuffers();
        encoder.releaseBuffers();
    }
}
