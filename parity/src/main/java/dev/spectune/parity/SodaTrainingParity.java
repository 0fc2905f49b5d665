/*
 * SodaTrainingParity: SODA's training recipe against soda_training_steps.safetensors (shared/golden/
 * soda README §4; run_SODA_svd.py with which_optim='adam'): an InjectedSODA_SVD layer from its true
 * init (init.delta, init.Q<i>; the factor table from their shapes) trained on mse(layer(x), t) for
 * as many iterations as the file stores, AdamW on δ (lr 5e-3, betas (0.9, 0.999), eps 1e-8, weight
 * decay 1e-4) and StiefelAdam on the factors (lr 5e-3, ε = 1e-5: the script passes eps=1e-8, which
 * StiefelAdam silently swallows), global-norm clipping at 1, for each schedule the file holds
 * (<schedule>.delta; "both" steps both groups every iteration, "alt" alternates, δ first).
 *
 * Per iteration k: the layer's output y and loss at the current parameters and their gradients
 * (spectune's SodaSvd graph) against the reference's; then, so that one step's rounding does not
 * feed the next comparison, the optimizers step with the reference's gradients, and the clipping
 * norm, δ and every factor after the step and the factors' orthogonality errors are compared.
 * After the last iteration: the loss (loss_final) and the optimizer states.
 */
package dev.spectune.parity;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.RotationSide;
import dev.spectune.adapters.SodaSvd;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.linalg.Svd;
import dev.spectune.ops.Linear;
import dev.spectune.optim.AdamW;
import dev.spectune.optim.GradientClipping;
import dev.spectune.optim.GroupSchedule;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.runtime.Tolerances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class SodaTrainingParity {
    private SodaTrainingParity() {}

    static final double LR = 5e-3, WEIGHT_DECAY = 1e-4, MAX_NORM = 1.0, STIEFEL_EPS = 1e-5;

    static void run(ParityReport r, GoldenFile g) {
        TreeSet<String> schedules = new TreeSet<>();
        for (String name : g.names()) {
            if (name.matches("\\w+\\.delta") && !name.startsWith("init.")) schedules.add(name.substring(0, name.length() - ".delta".length()));
        }
        if (schedules.isEmpty()) throw new CheckpointException(g.path() + ": no <schedule>.delta trajectory");
        for (String schedule : schedules) {
            GroupSchedule groups = switch (schedule) {
                case "both" -> GroupSchedule.JOINT;
                case "alt" -> GroupSchedule.ALTERNATING;
                default -> throw new CheckpointException(g.path() + ": schedule '" + schedule + "' (from " + schedule + ".delta) is neither both nor alt");
            };
            for (boolean f64 : g.has(schedule + ".delta_f64") ? new boolean[] {false, true} : new boolean[] {false}) loop(r, g, schedule, groups, f64);
        }
    }

    private static void loop(ParityReport r, GoldenFile g, String schedule, GroupSchedule groups, boolean f64) {
        String sfx = f64 ? "_f64" : "", p = schedule + ".";
        DataType type = AdaptedLinear.type(f64);
        double tol = f64 ? StiefelTrajectoryParity.TOL_F64 : StiefelTrajectoryParity.TOL_F32;
        double outTol = f64 ? StiefelTrajectoryParity.TOL_F64 : Tolerances.MODEL_OUTPUT_F32_REL, gradTol = f64 ? StiefelTrajectoryParity.TOL_F64 : Tolerances.GRADIENT_AND_PIPELINE_REL;

        // The layer, at its true init.
        List<String> factorNames = new ArrayList<>();
        for (int i = 1; g.has("init.Q" + i + sfx); i++) factorNames.add("Q" + i);
        int[] sizes = factorNames.stream().mapToInt(q -> (int) g.shape("init." + q + sfx)[0]).toArray();
        INDArray w0 = g.get("W0" + sfx, type);
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = SodaSvd.build(sd, "fc.weight", w0, new Svd(g.get("U" + sfx, type), g.get("S" + sfx, type), g.get("Vh" + sfx, type)),
                new SodaSvd.Options(0, true, RotationSide.INPUT, sizes, null));
        Map<String, INDArray> factors = new LinkedHashMap<>();
        Map<String, String> golden = new LinkedHashMap<>();                                    // parameter name → golden name
        INDArray delta = null;
        for (AdapterParameter param : a.parameters()) {
            String leaf = AdaptedLinear.leaf(param), name = leaf.equals("soda_delta") ? "delta" : leaf.substring("soda_".length());
            param.value().assign(g.get("init." + name + sfx, type));
            golden.put(param.name(), name);
            if (name.equals("delta")) delta = param.value();
            else factors.put(name, param.value());
        }
        SDVariable y = Linear.apply(sd, sd.constant("x", g.get("x" + sfx, type)), a.weight(), sd.constant("b0", g.get("b0" + sfx, type)), w0.columns(), w0.rows());
        SDVariable diff = y.sub(sd.constant("t", g.get("t" + sfx, type)));
        SDVariable loss = diff.mul(diff).mean().rename("loss");                                // F.mse_loss, reduction 'mean'
        sd.setLossVariables(loss);

        AdamW adamw = new AdamW(Map.of("delta", delta), LR, 0.9, 0.999, 1e-8, WEIGHT_DECAY);
        StiefelAdam kron = new StiefelAdam(factors, LR, 0.9, 0.999, STIEFEL_EPS, StiefelOptions.soda());
        int iterations = (int) g.shape(p + "delta" + sfx)[0];
        INDArray expectedY = g.get(p + "y" + sfx, type), expectedLoss = g.get(p + "loss" + sfx, DataType.DOUBLE);
        INDArray orth = g.has(p + "orth_err" + sfx) ? g.get(p + "orth_err" + sfx, DataType.DOUBLE) : null;
        INDArray norms = g.get(p + "clip_total_norm" + sfx, DataType.DOUBLE);
        for (int k = 0; k < iterations; k++) {
            String at = " iteration " + k;
            Map<String, INDArray> ours = sd.calculateGradients(Map.of(), new ArrayList<>(golden.keySet()));
            r.compare(p + "y" + sfx + at, y.eval(), expectedY.slice(k), outTol);
            r.check(p + "loss" + sfx + at + " rel error", relative(loss.eval().getDouble(0), expectedLoss.getDouble(k)), outTol, "");
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (var e : golden.entrySet()) {
                INDArray reference = g.get(p + "grad." + e.getValue() + sfx, type).slice(k).dup();
                r.compare(p + "grad." + e.getValue() + sfx + at, ours.get(e.getKey()), reference, gradTol);
                grads.put(e.getValue(), reference);
            }
            double norm = GradientClipping.clipByGlobalNorm(new ArrayList<>(grads.values()), MAX_NORM);
            r.check(p + "clip_total_norm" + sfx + " [" + k + "] rel error", relative(norm, norms.getDouble(k)), tol, "");
            if (groups.firstSteps(k)) adamw.step(Map.of("delta", grads.remove("delta")));
            else grads.remove("delta");
            if (groups.secondSteps(k)) kron.step(grads);
            r.compare(p + "delta" + sfx + " after iteration " + k, delta, g.get(p + "delta" + sfx, type).slice(k), tol);
            double worstOrth = 0;
            int i = 0;
            for (var q : factors.entrySet()) {
                r.compare(p + q.getKey() + sfx + " after iteration " + k, q.getValue(), g.get(p + q.getKey() + sfx, type).slice(k), tol);
                if (orth != null) worstOrth = Math.max(worstOrth, Math.abs(StiefelTrajectoryParity.orthogonalityError(q.getValue()) - orth.getDouble(k, i++)));
            }
            if (orth != null) r.check(p + "orth_err" + sfx + " after iteration " + k + " (max |ours − reference| over the factors)", worstOrth, 2 * tol, "");
        }
        if (g.has(p + "loss_final" + sfx)) {
            r.check(p + "loss_final" + sfx + " rel error", relative(loss.eval().getDouble(0), g.get(p + "loss_final" + sfx, DataType.DOUBLE).getDouble(0)), outTol, "");
        }
        r.compare(p + "state.adamw.exp_avg" + sfx, adamw.stateTensors().get("delta/exp_avg"), g.get(p + "state.adamw.exp_avg" + sfx, type), tol);
        r.compare(p + "state.adamw.exp_avg_sq" + sfx, adamw.stateTensors().get("delta/exp_avg_sq"), g.get(p + "state.adamw.exp_avg_sq" + sfx, type), tol);
        for (String q : factors.keySet()) {
            for (String buffer : new String[] {"Y", "V", "pY", "pV"}) {
                String name = p + "state.kron." + q + "." + buffer + sfx;
                if (g.has(name)) r.compare(name, kron.stateTensors().get(q + "/" + buffer), g.get(name, type), tol);
            }
        }
    }

    private static double relative(double ours, double theirs) {
        return Math.abs(ours - theirs) / Math.max(Math.abs(theirs), Double.MIN_NORMAL);
    }
}
