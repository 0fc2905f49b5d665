/*
 * OptimParity: the optimizers against the SODA golden folder (shared/golden/soda, README §3–4).
 *
 * stiefel_optimizers.safetensors: for every optimizer × step method × shape, X after each of six
 * steps with the stored gradients, and the momentum buffers after the last, in float32 (1e-5
 * relative) and float64 (1e-9). kong_* are the 2024 reference code (10 fixed Newton–Schulz
 * iterations), soda_* SODA's copy of the 2023 code (iterations until the error stalls). As the
 * folder's README prescribes, soda_sgd on the off-manifold start gauss8x3 is compared for steps
 * 1–4 only (steps 5–6 are chaotic upstream: its float32 and float64 runs differ at O(1)), and a
 * float32 step whose reference float32-vs-float64 gap (f32_vs_f64_maxdiff_per_step) exceeds the
 * tolerance is reported as informational: the reference cannot resolve it either.
 *
 * soda_training_steps.safetensors: SODA's training recipe replayed with the stored gradients —
 * AdamW on δ and StiefelAdam on the Kronecker factors (ε = 1e-5: SODA's script passes eps=1e-8,
 * which StiefelAdam silently ignores), global-norm clipping at 1, joint and alternating schedules;
 * parameters after each of ten iterations and the final optimizer states.
 */
package dev.spectune.training.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.optim.AdamW;
import dev.spectune.optim.GradientClipping;
import dev.spectune.optim.GroupSchedule;
import dev.spectune.optim.Optimizer;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.optim.StiefelSgd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class OptimParity {
    private OptimParity() {}

    static final double TOL_F32 = 1e-5, TOL_F64 = 1e-9;
    static final String[] SHAPES = {"sq4", "sq3", "tall8x3", "wide3x8", "gauss8x3"};
    static final String[] METHODS = {"ForwardEuler", "Cayley", "MatrixExp"};

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("optim");
        Path stiefel = folder.resolve("stiefel_optimizers.safetensors"), training = folder.resolve("soda_training_steps.safetensors");
        if (!Files.isRegularFile(stiefel) || !Files.isRegularFile(training)) {
            throw new CheckpointException(folder + ": expected stiefel_optimizers.safetensors and soda_training_steps.safetensors");
        }
        try (SafetensorsFile g = SafetensorsFile.open(stiefel)) {
            JsonNode hp = json(g.metadata().get("hyperparameters"));
            JsonNode gaps = json(g.metadata().get("f32_vs_f64_maxdiff_per_step"));
            JsonNode loops = json(g.metadata().get("soda_rootinv_loop_iterations_per_step"));
            for (String opt : new String[] {"kong_sgd", "kong_adam", "soda_sgd", "soda_adam"}) {
                for (String method : METHODS) {
                    for (String shape : SHAPES) {
                        String key = opt + "." + method + "." + shape;
                        if (!g.contains(key + ".X")) continue;
                        for (boolean f64 : new boolean[] {false, true}) stiefelCase(r, g, hp.get(opt), gaps.get(key), loops.get(key + (f64 ? "_f64" : "")), opt, method, shape, f64);
                    }
                }
            }
        }
        try (SafetensorsFile g = SafetensorsFile.open(training)) {
            for (String schedule : new String[] {"both", "alt"}) {
                for (boolean f64 : new boolean[] {false, true}) trainingCase(r, g, schedule, f64);
            }
        }
        return r;
    }

    private static void stiefelCase(ParityReport r, SafetensorsFile g, JsonNode hp, JsonNode referenceGap, JsonNode referenceLoops,
                                    String opt, String method, String shape, boolean f64) {
        String sfx = f64 ? "_f64" : "";
        DataType type = f64 ? DataType.DOUBLE : DataType.FLOAT;
        double tol = f64 ? TOL_F64 : TOL_F32;
        String key = opt + "." + method + "." + shape;
        INDArray x = g.read("inputs." + shape + ".X0" + sfx, type);
        INDArray grads = g.read("inputs." + shape + ".G" + sfx, type);
        StiefelOptions.ExpMethod m = switch (method) {
            case "ForwardEuler" -> StiefelOptions.ExpMethod.FORWARD_EULER;
            case "Cayley" -> StiefelOptions.ExpMethod.CAYLEY;
            default -> StiefelOptions.ExpMethod.MATRIX_EXP;
        };
        StiefelOptions options = opt.startsWith("kong")
                ? new StiefelOptions(m, StiefelOptions.InnerProduct.CANONICAL, StiefelOptions.RootInverse.FIXED, hp.get("inner_iter").asInt())
                : new StiefelOptions(m, StiefelOptions.InnerProduct.CANONICAL, StiefelOptions.RootInverse.UNTIL_STALL, hp.get("max_inner_iter").asInt());
        Map<String, INDArray> params = Map.of("X", x);
        Optimizer o = opt.endsWith("sgd")
                ? new StiefelSgd(params, hp.get("lr").asDouble(), hp.get("momentum").asDouble(), hp.get("dampening").asDouble(), options)
                : new StiefelAdam(params, hp.get("lr").asDouble(), hp.get("betas").get(0).asDouble(), hp.get("betas").get(1).asDouble(), hp.get("epsilon").asDouble(), options);
        INDArray expected = g.read(key + ".X" + sfx, type);
        int steps = opt.equals("soda_sgd") && shape.equals("gauss8x3") ? 4 : (int) expected.size(0);
        boolean conditioned = true;
        for (int k = 0; k < steps; k++) {
            o.step(Map.of("X", grads.slice(k)));
            int ours = o instanceof StiefelSgd s ? s.lastRootInverseIterations().get("X") : ((StiefelAdam) o).lastRootInverseIterations().get("X");
            // The reference's own float32-vs-float64 gap at this step (its README: "use for tolerances"),
            // and its Newton–Schulz loop count (data dependent at rounding level: README quirk 11).
            double gap = f64 || referenceGap == null ? 0 : referenceGap.get(k).asDouble() / expected.slice(k).amaxNumber().doubleValue();
            int theirs = referenceLoops == null ? ours : referenceLoops.get(k).asInt();
            String name = key + sfx + " step " + (k + 1) + " X";
            boolean within = relative(x, expected.slice(k)) <= tol;
            if (!within && gap > tol) {
                conditioned = false;
                r.inform(name, x, expected.slice(k), tol, String.format("reference's own f32-vs-f64 gap here is %.1e", gap));
            } else if (!within && !f64 && ours != theirs) {
                conditioned = false;
                r.inform(name, x, expected.slice(k), tol, "root-inverse loop stopped after " + ours + " iterations, the reference's after " + theirs);
            } else {
                r.compare(name, x, expected.slice(k), tol);
            }
        }
        if (steps < expected.size(0)) return;
        Map<String, INDArray> state = o.stateTensors();
        for (String buffer : new String[] {"Y", "V", "pY", "pV"}) {
            if (!g.contains(key + ".state." + buffer + sfx)) continue;
            if (conditioned) {
                r.compare(key + sfx + " state." + buffer, state.get("X/" + buffer), g.read(key + ".state." + buffer + sfx, type), tol);
            } else {
                r.inform(key + sfx + " state." + buffer, state.get("X/" + buffer), g.read(key + ".state." + buffer + sfx, type), tol,
                        "after steps the reference itself resolves only to its f32-vs-f64 gap");
            }
        }
    }

    private static void trainingCase(ParityReport r, SafetensorsFile g, String schedule, boolean f64) {
        String sfx = f64 ? "_f64" : "";
        DataType type = f64 ? DataType.DOUBLE : DataType.FLOAT;
        double tol = f64 ? TOL_F64 : TOL_F32;
        Map<String, INDArray> factors = new LinkedHashMap<>();
        for (String q : new String[] {"Q1", "Q2", "Q3"}) factors.put(q, g.read("init." + q + sfx, type));
        INDArray delta = g.read("init.delta" + sfx, type);
        AdamW adamw = new AdamW(Map.of("delta", delta), 5e-3, 0.9, 0.999, 1e-8, 1e-4);
        StiefelAdam kron = new StiefelAdam(factors, 5e-3, 0.9, 0.999, 1e-5, StiefelOptions.soda());
        GroupSchedule groups = schedule.equals("both") ? GroupSchedule.JOINT : GroupSchedule.ALTERNATING;
        int iterations = (int) g.info(schedule + ".delta" + sfx).shape()[0];
        String p = schedule + ".";
        for (int k = 0; k < iterations; k++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (String q : factors.keySet()) grads.put(q, g.read(p + "grad." + q + sfx, type).slice(k).dup());
            grads.put("delta", g.read(p + "grad.delta" + sfx, type).slice(k).dup());
            List<INDArray> all = new ArrayList<>(grads.values());
            double norm = GradientClipping.clipByGlobalNorm(all, 1.0);
            r.check(p + "clip_total_norm" + sfx + " [" + k + "] rel error",
                    Math.abs(norm - g.read(p + "clip_total_norm" + sfx, DataType.DOUBLE).getDouble(k)) / norm, tol, "");
            if (groups.firstSteps(k)) adamw.step(Map.of("delta", grads.get("delta")));
            if (groups.secondSteps(k)) kron.step(grads);
            r.compare(p + "delta" + sfx + " after iteration " + k, delta, g.read(p + "delta" + sfx, type).slice(k), tol);
            for (var q : factors.entrySet()) {
                r.compare(p + q.getKey() + sfx + " after iteration " + k, q.getValue(), g.read(p + q.getKey() + sfx, type).slice(k), tol);
            }
        }
        r.compare(p + "state.adamw.exp_avg" + sfx, adamw.stateTensors().get("delta/exp_avg"), g.read(p + "state.adamw.exp_avg" + sfx, type), tol);
        r.compare(p + "state.adamw.exp_avg_sq" + sfx, adamw.stateTensors().get("delta/exp_avg_sq"), g.read(p + "state.adamw.exp_avg_sq" + sfx, type), tol);
        for (String q : factors.keySet()) {
            r.compare(p + "state.kron." + q + ".Y" + sfx, kron.stateTensors().get(q + "/Y"), g.read(p + "state.kron." + q + ".Y" + sfx, type), tol);
            r.compare(p + "state.kron." + q + ".pY" + sfx, kron.stateTensors().get(q + "/pY"), g.read(p + "state.kron." + q + ".pY" + sfx, type), tol);
        }
    }

    private static double relative(INDArray actual, INDArray expected) {
        INDArray a = actual.castTo(DataType.DOUBLE), e = expected.castTo(DataType.DOUBLE);
        return a.sub(e).amaxNumber().doubleValue() / e.amaxNumber().doubleValue();
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new CheckpointException("bad JSON metadata: " + e.getMessage());
        }
    }
}
