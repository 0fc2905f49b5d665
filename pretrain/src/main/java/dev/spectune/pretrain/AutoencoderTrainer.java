/*
 * AutoencoderTrainer: the first pretraining stage — the AutoencoderKL trained from its random
 * initialisation on world scenes (LDM's autoencoder objective, Rombach et al. 2022, §3 and App.
 * G, without the perceptual and adversarial terms, which a world of flat colours does not need):
 *
 *   z ~ q(z|x) = N(mean, std²)    (the encoder's posterior; eps drawn per step)
 *   L = mean (decoded − x)²  +  kl_weight · mean over latent elements of KL(q ‖ N(0, I))
 *   KL per element = ½ (mean² + std² − 1 − log std²)
 *
 * Every weight trains (AutoencoderKL.autoencoder binds them as variables); the execution plan
 * computes forward and backward; FullOptimisation updates.
 */
package dev.spectune.pretrain;

import dev.spectune.checkpoint.config.VaeConfig;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.model.AutoencoderKL;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.WeightBinder;
import dev.spectune.plan.GradientPlan;
import dev.spectune.training.DreamBoothTrainer;
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

final class AutoencoderTrainer {

    /** A step's losses and gradient norm. */
    record StepResult(double loss, double reconstruction, double kl, double gradNorm) {}

    private final VaeConfig config;
    private final ModelGraph graph;
    private final GradientPlan plan;
    private final FullOptimisation optimisation;
    private final List<String> params = new ArrayList<>();
    private final int batch, side;
    private final String loss, reconstruction, kl;

    AutoencoderTrainer(VaeConfig config, WeightSource initial, int batch, int side, double klWeight, FullOptimisation.Settings settings) {
        this.config = config;
        this.batch = batch;
        this.side = side;
        this.graph = AutoencoderKL.autoencoder(config, initial, DataType.FLOAT, batch, side, side);
        SameDiff sd = graph.sd();
        SDVariable image = sd.getVariable("image");                                            // [B, 3, H, W]
        SDVariable diff = graph.get("decoded").sub(image);                                     // [B, 3, H, W]
        SDVariable rec = diff.mul(diff).mean().rename("reconstruction_loss");
        SDVariable mean = graph.get("posterior_mean"), logvar = graph.get("posterior_logvar");  // [B, L, h, w]
        SDVariable klv = mean.mul(mean).add(sd.math().exp(logvar)).sub(1.0).sub(logvar).mul(0.5).mean().rename("kl_loss");
        SDVariable total = rec.add(klv.mul(klWeight)).rename("autoencoder_loss");
        sd.setLossVariables(total);
        this.loss = total.name();
        this.reconstruction = rec.name();
        this.kl = klv.name();
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                params.add(v.name());
                values.put(v.name(), v.getArr());
            }
        }
        this.plan = new GradientPlan(sd, List.of(loss, reconstruction, kl), params);
        this.optimisation = new FullOptimisation(values, settings);
    }

    /** One step on the world batch and posterior noise drawn from {@code random}. */
    StepResult step(int step, Random random) {
        WorldData.Batch data = WorldData.draw(random, batch, side, 0);
        int f = AutoencoderKL.factor(config);
        INDArray eps = DreamBoothTrainer.gaussian(random, batch, config.latentChannels(), side / f, side / f);   // [B, L, h, w]
        GradientPlan.Result r = plan.run(Map.of("image", data.images(), "eps", eps));
        double value = r.outputs().get(loss).getDouble(0);
        if (!Double.isFinite(value)) throw new IllegalStateException("autoencoder step " + (step + 1) + ": the loss is " + value + "; stopped before updating (lower --vae-lr)");
        double norm = optimisation.step(step, new LinkedHashMap<>(r.gradients()));
        return new StepResult(value, r.outputs().get(reconstruction).getDouble(0), r.outputs().get(kl).getDouble(0), norm);
    }

    double learningRate(int step) {
        return optimisation.learningRate(step);
    }

    /** The trained weights as a state dict (the moving average when there is one). */
    Map<String, INDArray> weights() {
        return WeightBinder.export(optimisation.shipped(), AutoencoderKL.parameterShapes(config));
    }

    void exportTo(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        optimisation.exportTo("vae/", tensors, scalars);
    }

    void restore(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        optimisation.restore("vae/", tensors, scalars);
    }

    void releaseBuffers() {
        plan.plan().releaseBuffers();
    }
}
