/*
 * GradientPlan: an ExecutionPlan over SameDiff's gradient function — outputs of the model and the
 * gradients of its loss variables with respect to chosen variables, as SameDiff's
 * calculateGradientsAndOutputs returns them, computed by the plan. Only the gradient ops the
 * wanted gradients need are scheduled, so variables not asked for cost nothing, and frozen conv and
 * matmul weights get no gradient at all (FrozenWeightGradients). With checkpoints named, activations
 * inside segments are recomputed in backward instead of kept (Rematerialization).
 */
package dev.spectune.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class GradientPlan {

    /** Outputs by graph name and gradients by the name of the variable they belong to. */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {}

    private final List<String> outputs;
    private final Map<String, String> gradientNames = new LinkedHashMap<>();   // variable -> its gradient in the gradient function
    private final ExecutionPlan plan;

    /**
     * @param sd      a graph with its loss variables set
     * @param outputs values of the forward graph to return besides the gradients
     * @param wrt     the variables whose gradients are wanted
     */
    public GradientPlan(SameDiff sd, List<String> outputs, List<String> wrt) {
        this(sd, outputs, wrt, java.util.Set.of());
    }

    /**
     * A plan with gradient checkpointing: only the forward values named in {@code checkpoints}
     * (and what more than one segment reads) are kept for backward; the rest are recomputed
     * segment by segment ({@link Rematerialization}). Empty: no recomputation.
     */
    public GradientPlan(SameDiff sd, List<String> outputs, List<String> wrt, java.util.Set<String> checkpoints) {
        if (sd.getLossVariables() == null || sd.getLossVariables().isEmpty()) {
            throw new IllegalArgumentException("plan: the graph has no loss variable to differentiate");
        }
        sd.createGradFunction();
        SameDiff gradients = sd.getFunction("grad");
        this.outputs = List.copyOf(outputs);
        for (String v : wrt) {
            SDVariable g = gradients.getGradForVariable(v);
            if (g == null) throw new IllegalArgumentException("plan: no gradient for '" + v + "' (not a variable the loss depends on)");
            gradientNames.put(v, g.name());
        }
        List<String> all = new ArrayList<>(outputs);
        all.addAll(gradientNames.values());
        java.util.Set<String> seeds = new java.util.HashSet<>();
        for (String loss : sd.getLossVariables()) {
            SDVariable g = gradients.getGradForVariable(loss);
            if (g != null) seeds.add(g.name());
        }
        this.plan = new ExecutionPlan(gradients, sd, all, checkpoints, seeds);
    }

    public Result run(Map<String, INDArray> feed) {
        Map<String, INDArray> values = plan.run(feed);
        Map<String, INDArray> outs = new LinkedHashMap<>(), grads = new LinkedHashMap<>();
        for (String o : outputs) outs.put(o, values.get(o));
        for (var e : gradientNames.entrySet()) grads.put(e.getKey(), values.get(e.getValue()));
        return new Result(outs, grads);
    }

    public ExecutionPlan plan() {
        return plan;
    }
}
