/*
 * TrainingStep: the forward and backward pass of one (micro-)batch of diffusion training, as
 * diffusers' train_dreambooth(_lora).py computes it — the unit DreamBoothTrainer repeats every step
 * and the train-step parity drives against torch autograd (llm.c's way: the test runs the real
 * training step on dumped tensors).
 *
 *   z_t = √ᾱ_t·z0 + √(1 − ᾱ_t)·ε                   (DdpmScheduler.addNoise, the model's schedule)
 *   h   = the cached prompt embeddings, or CLIP(ids) when the text encoder trains
 *   ε̂   = UNet(z_t, t, h);  target ε (or v = √ᾱ_t·ε − √(1 − ᾱ_t)·z0 for v-prediction)
 *   L   = mean over the batch of w_i·MSE_i           (w: min-SNR weights, or 1)
 *   objective = softplus(β·(L − L_ref)) with DCO on (= −log σ(−β·(L − L_ref))), else L
 *   gradients of the objective for the trained UNet variables; with a trained text encoder the UNet
 *   graph also differentiates by h and the gradient continues into CLIP by the chain rule.
 * The pass runs as an execution plan compiled on first use (dev.spectune.plan.GradientPlan): the
 * graph's shapes are fixed, frozen weights get no gradient, buffers are reused step to step; with
 * gradient checkpointing the plan keeps the UNet's block outputs and recomputes the rest in backward.
 */
package dev.spectune.training;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.scheduler.DdpmScheduler;
import dev.spectune.plan.ExecutionPlan;
import dev.spectune.plan.GradientPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class TrainingStep {

    /**
     * One micro-batch: clean latents z0 [B, C, h, w], noise ε (same shape), timesteps t [B], the
     * text conditioning — cached embeddings hidden [B, T, D] or, with a trained text encoder, token
     * ids [B, T] — and per-sample loss weights [B, 1, 1, 1].
     */
    public record Batch(INDArray z0, INDArray eps, int[] t, INDArray hidden, INDArray ids, INDArray lossWeights) {}

    /** What a pass computed: the objective, its gradients by variable name, and the intermediates. */
    public record Result(double objective, Map<String, INDArray> gradients, INDArray noisy, INDArray hidden, INDArray prediction, double loss) {}

    private final ModelGraph unet;
    private final DdpmScheduler noise;
    private final boolean velocity;
    private final TrainableTextEncoder text;                                   // null: the text encoder is frozen
    private final SDVariable context;                                          // the UNet's text input as a variable when the text encoder trains
    private final List<String> wrt = new ArrayList<>();
    private final SDVariable loss, objective;
    private final double dcoBeta;
    private final boolean checkpointing;                                       // recompute block activations in backward
    private GradientPlan plan;                                                 // the step's forward + backward, compiled on first use
    private ExecutionPlan lossPlan;                                            // the forward to L alone

    /**
     * @param unet        the UNet graph, built for batch B
     * @param noise       the forward process (the model's training schedule)
     * @param velocity    the model predicts v (v-prediction) rather than ε
     * @param text        the trained text encoder, or null when it is frozen
     * @param trained     the UNet graph variables that train (adapter parameters, or every weight)
     * @param dcoBeta     DCO's β (0: the plain MSE objective always)
     * @param gradientCheckpointing keep only the UNet's block outputs for backward and recompute the
     *                    rest block by block (diffusers' enable_gradient_checkpointing): the same
     *                    gradients, less memory, about one more forward pass of time
     */
    public TrainingStep(ModelGraph unet, DdpmScheduler noise, boolean velocity, TrainableTextEncoder text, List<String> trained, double dcoBeta,
                        boolean gradientCheckpointing) {
        this.unet = unet;
        this.noise = noise;
        this.velocity = velocity;
        this.text = text;
        this.dcoBeta = dcoBeta;
        this.checkpointing = gradientCheckpointing;
        SameDiff sd = unet.sd();
        wrt.addAll(trained);
        if (text != null) {                                                        // the UNet reads its text input from a variable, to differentiate by it
            SDVariable placeholder = sd.getVariable("encoder_hidden_states");
            this.context = sd.var("encoder_hidden_states_value", Nd4j.zeros(DataType.FLOAT, placeholder.getShape()));
            AdapterInjector.rewire(sd, placeholder.name(), context);
            wrt.add(context.name());
        } else {
            this.context = null;
        }
        SDVariable sample = sd.getVariable("sample");
        long[] shape = sample.getShape();                                                 // [B, C, h, w]
        SDVariable target = sd.placeHolder("target", DataType.FLOAT, shape);
        SDVariable weight = sd.placeHolder("loss_weight", DataType.FLOAT, shape[0], 1, 1, 1);
        SDVariable diff = unet.get("out").sub(target);                                   // [B, C, h, w]
        this.loss = diff.mul(diff).mul(weight).mean().rename("loss");                    // L = mean over the batch of w_i · MSE_i
        // The objective a·softplus(β·(L − L_ref)) + b·L: DCO's −log σ(−β·(L − L_ref)) (a = 1, b = 0),
        // else the plain MSE (a = 0, b = 1); one graph, one gradient function.
        SDVariable reference = sd.placeHolder("dco_reference", DataType.FLOAT, 1);
        SDVariable a = sd.placeHolder("dco_on", DataType.FLOAT, 1), b = sd.placeHolder("mse_on", DataType.FLOAT, 1);
        SDVariable dco = sd.nn().softplus(loss.sub(reference).mul(dcoBeta));
        this.objective = dco.mul(a).add(loss.mul(b)).sum().rename("objective");
        sd.setLossVariables(objective);
    }

    /** The compiled forward + backward (after the first {@link #forwardBackward}), for profiles and op counts. */
    public ExecutionPlan plan() {
        if (plan == null) throw new IllegalStateException("the step has not run yet");
        return plan.plan();
    }

    /** Drops the buffers of the step's plans (forward + backward, and the loss alone); the next pass allocates them again. */
    public void releaseBuffers() {
        if (plan != null) plan.plan().releaseBuffers();
        if (lossPlan != null) lossPlan.releaseBuffers();
        if (text != null) text.releaseBuffers();
    }

    /** The UNet feed of a batch: z_t, t, h and the target; DCO off. */
    private Map<String, INDArray> feed(Batch batch, INDArray hidden) {
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("sample", noise.addNoise(batch.z0(), batch.eps(), batch.t()));
        double[] ts = new double[batch.t().length];
        for (int i = 0; i < ts.length; i++) ts[i] = batch.t()[i];
        feed.put("timestep", Nd4j.createFromArray(ts).castTo(DataType.FLOAT));
        feed.put("encoder_hidden_states", hidden);
        if (context != null) context.setArray(hidden);
        feed.put("target", velocity ? noise.velocity(batch.z0(), batch.eps(), batch.t()) : batch.eps());
        feed.put("loss_weight", batch.lossWeights());
        feed.put("dco_reference", Nd4j.createFromArray(new float[] {0f}));
        feed.put("dco_on", Nd4j.createFromArray(new float[] {0f}));
        feed.put("mse_on", Nd4j.createFromArray(new float[] {1f}));
        return feed;
    }

    private INDArray hidden(Batch batch) {
        return text == null ? batch.hidden() : text.forward(batch.ids());
    }

    /** L of the batch under the current parameter values (no gradient). */
    public double loss(Batch batch) {
        if (lossPlan == null) lossPlan = new ExecutionPlan(unet.sd(), unet.sd(), List.of(loss.name()));
        return lossPlan.run(feed(batch, hidden(batch))).get(loss.name()).getDouble(0);
    }

    private Map<String, INDArray> lastLossFeed;      // the last forwardBackward's inputs, for firstNonFinite

    /**
     * Where the last pass's loss first turned NaN or ∞: the first op of the UNet's forward pass (on
     * the same inputs) whose output is not finite, with the weights it reads; null if none is.
     */
    public String firstNonFinite() {
        if (lastLossFeed == null) return null;
        return new dev.spectune.plan.ExecutionPlan(unet.sd(), unet.sd(), List.of(loss.name())).firstNonFinite(lastLossFeed);
    }

    /**
     * Forward and backward: the objective — DCO against {@code dcoReference} when {@code dco} (and
     * β > 0), else L — and its gradients for every trained variable, the text encoder's included.
     */
    public Result forwardBackward(Batch batch, boolean dco, double dcoReference) {
        INDArray hidden = hidden(batch);
        Map<String, INDArray> feed = feed(batch, hidden);
        lastLossFeed = new LinkedHashMap<>(feed);
        boolean on = dco && dcoBeta > 0;
        feed.put("dco_reference", Nd4j.createFromArray(new float[] {on ? (float) dcoReference : 0f}));
        feed.put("dco_on", Nd4j.createFromArray(new float[] {on ? 1f : 0f}));
        feed.put("mse_on", Nd4j.createFromArray(new float[] {on ? 0f : 1f}));
        if (plan == null) {
            plan = new GradientPlan(unet.sd(), List.of(objective.name(), loss.name(), unet.get("out").name()), wrt,
                    checkpointing ? unet.checkpoints() : java.util.Set.of());
        }
        GradientPlan.Result result = plan.run(feed);
        Map<String, INDArray> grads = new LinkedHashMap<>(result.gradients());
        if (text != null) grads.putAll(text.backward(batch.ids(), grads.remove(context.name())));     // chain rule into the text encoder
        return new Result(result.outputs().get(objective.name()).getDouble(0), grads, feed.get("sample"), hidden,
                result.outputs().get(unet.get("out").name()), result.outputs().get(loss.name()).getDouble(0));
    }
}
