/*
 * AdapterInjector: turns chosen layers of any SameDiff graph built with tensor-ops into adapted
 * ones. It selects the constant weights whose checkpoint key matches a pattern (e.g. the attention
 * projections "to_q|to_k|to_v|to_out.0" of a UNet, "q_proj|k_proj|v_proj|out_proj" of CLIP),
 * builds W(θ) for each in the same graph, and rewires every op that read W0 to read W(θ) instead
 * (SameDiff's replaceArgFor). The rest of the graph is untouched; only θ is trainable.
 *
 * Conv weights are adapted too when the pattern selects them: a constant [kH, kW, in, out] (the
 * layout tensor-ops convolves with) is handed to the method as PyTorch's flattened
 * [out, in·kH·kW] — the matrix peft, SVDiff and OFT adapt for a Conv2d — and W(θ) is folded back.
 *
 * A method with an input form (AdaptedWeight.inputForm, e.g. LoRA) is applied to the layer's input
 * instead where every reader of W0 is a linear layer's matmul x·W0ᵀ: that matmul stays (frozen, so
 * its backward is the input gradient alone) and its readers take the method's output instead.
 */
package dev.spectune.adapters;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;

public final class AdapterInjector {
    private AdapterInjector() {}

    /** Builds an adapter for one weight W0 [out, in] under its checkpoint key. */
    @FunctionalInterface
    public interface Method {
        AdaptedWeight build(SameDiff sd, String key, INDArray w0);

        /** Called once with every target W0 [out, in] before the first build (VeRA sizes its shared projections here). */
        default void prepare(List<INDArray> targets) {}

        /** False for a method that adapts linear weights only: a selected conv weight is then refused by name. */
        default boolean adaptsConv() {
            return true;
        }
    }

    /** The UNet attention projections SODA and the Spectral Adapter tune. */
    public static final Pattern UNET_ATTENTION = Pattern.compile(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)\\.weight");
    /** The CLIP text-encoder attention projections. */
    public static final Pattern TEXT_ATTENTION = Pattern.compile(".*\\.self_attn\\.(q_proj|k_proj|v_proj|out_proj)\\.weight");

    /**
     * The smallest weight (elements) at which a method with an input form is applied to the layer's
     * input. Below it the weight form is faster: per-op cost dominates, and forming a small W(θ)
     * costs little (golden SD-topology UNet, 64 px, LoRA forward+backward: 266-290 ms with the weight
     * form, 389-411 ms with the input form); above it the input form saves a weight-sized array and
     * its gradient per layer (SD-1.5, whose smallest adapted weight has 102,400: 256 px LoRA step
     * 6.90 -> 5.84 GiB).
     */
    public static final long INPUT_FORM_MIN_ELEMENTS = 65_536;

    /** Adapts every rank-2 constant weight whose key matches; fails when nothing matches. */
    public static List<AdaptedWeight> inject(SameDiff sd, Pattern keys, Method method) {
        return inject(sd, keys, method, INPUT_FORM_MIN_ELEMENTS);
    }

    /** As {@link #inject(SameDiff, Pattern, Method)}, with input forms used from weights of {@code inputFormMinElements} up. */
    /** Whether a weight is adapted: a linear (rank 2) or conv (rank 4) weight whose name the targets regex matches. */
    public static boolean selects(Pattern keys, String name, int rank) {
        return (rank == 2 || rank == 4) && BoundedRegex.matches(keys, name);
    }

    public static List<AdaptedWeight> inject(SameDiff sd, Pattern keys, Method method, long inputFormMinElements) {
        List<SDVariable> targets = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.CONSTANT && v.getArr() != null && selects(keys, v.name(), v.getArr().rank())) {
                targets.add(v);
            }
        }
        if (targets.isEmpty()) throw new IllegalArgumentException("no linear or conv weight matches /" + keys.pattern() + "/");
        for (SDVariable v : targets) {
            if (v.getArr().rank() == 4 && !method.adaptsConv()) {
                throw new IllegalArgumentException(v.name() + " is a conv weight, and this method adapts linear layers only (narrow --targets)");
            }
        }
        List<INDArray> matrices = targets.stream().map(v -> asMatrix(v.getArr())).toList();
        method.prepare(matrices);
        List<AdaptedWeight> adapted = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            SDVariable w0 = targets.get(i);
            AdaptedWeight a = method.build(sd, w0.name(), matrices.get(i));
            long[] shape = w0.getArr().shape();
            if (shape.length == 4) a = a.withSourceShape(new long[] {shape[3], shape[2], shape[0], shape[1]});           // [out, in, kh, kw]
            adapted.add(a);
            boolean large = w0.getArr().length() >= inputFormMinElements;
            if (large && a.inputForm() != null && shape.length == 2 && applyToInputs(sd, w0.name(), a)) continue;
            SDVariable replacement = shape.length == 2 ? a.weight()
                    : sd.permute(sd.reshape(a.weight(), shape[3], shape[2], shape[0], shape[1]), 2, 3, 1, 0);   // [kH, kW, in, out]
            rewire(sd, w0.name(), replacement);
        }
        return adapted;
    }

    /** A linear weight [out, in] as is (the same array); a conv weight [kH, kW, in, out] as PyTorch's flattened [out, in·kH·kW]. */
    public static INDArray asMatrix(INDArray weight) {
        if (weight.rank() == 2) return weight.isView() || weight.ordering() != 'c' ? weight.dup('c') : weight;   // shared, not copied: nothing writes a base
        long[] s = weight.shape();
        return weight.permute(3, 2, 0, 1).dup('c').reshape(s[3], s[2] * s[0] * s[1]);
    }

    /**
     * Applies {@code a}'s input form at every reader of W0 when each is a matmul x·W0ᵀ (x [N, in], as
     * tensor-ops' Linear multiplies); false, with the graph untouched, when any reader is another op.
     */
    private static boolean applyToInputs(SameDiff sd, String name, AdaptedWeight a) {
        List<String> consumers = sd.getVariables().get(name).getInputsForOp();
        if (consumers == null || consumers.isEmpty()) return false;
        List<Mmul> matmuls = new ArrayList<>();
        for (String opName : consumers) {
            if (!(sd.getOps().get(opName).getOp() instanceof Mmul mm)) return false;
            long[] t = mm.iArgs();                                               // transpose x, W, result
            boolean linear = t.length >= 2 && t[0] == 0 && t[1] != 0 && (t.length < 3 || t[2] == 0);
            String[] args = mm.argNames();
            if (!linear || args.length != 2 || !args[1].equals(name) || args[0].equals(name)) return false;
            matmuls.add(mm);
        }
        for (Mmul mm : matmuls) {
            SDVariable y0 = mm.outputVariable();                                 // [N, out] = x·W0ᵀ
            SDVariable y = a.inputForm().apply(sd, sd.getVariable(mm.argNames()[0]), y0);   // [N, out] = x·W(θ)ᵀ
            rewire(sd, y0.name(), y);
        }
        return true;
    }

    /** Every op that takes {@code name} as an input takes {@code replacement} instead. */
    public static void rewire(SameDiff sd, String name, SDVariable replacement) {
        List<String> consumers = sd.getVariables().get(name).getInputsForOp();
        if (consumers == null) return;
        for (String opName : List.copyOf(consumers)) {
            DifferentialFunction op = sd.getOps().get(opName).getOp();
            if (isPartOf(sd, opName, replacement)) continue;              // the adapter's own use of W0
            String[] args = op.argNames();
            for (int i = 0; i < args.length; i++) if (args[i].equals(name)) sd.replaceArgFor(i, replacement, op);
        }
    }

    /** True when the op feeds (directly or indirectly) the replacement — i.e. belongs to the adapter itself. */
    private static boolean isPartOf(SameDiff sd, String opName, SDVariable replacement) {
        java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>(List.of(replacement.name()));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!queue.isEmpty()) {
            String v = queue.poll();
            if (!seen.add(v)) continue;
            String producer = sd.getVariables().get(v).getOutputOfOp();
            if (producer == null) continue;
            if (producer.equals(opName)) return true;
            for (String in : sd.getOps().get(producer).getInputsToOp()) queue.add(in);
        }
        return false;
    }
}
