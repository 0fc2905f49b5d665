/*
 * PlanOp: one op invocation of an ExecutionPlan — an ND4J op object (a libnd4j custom op, or a
 * legacy transform/scalar/reduce op) with the slots its inputs are read from and its outputs
 * written to. Output shapes are computed on the first call and kept: a plan's shapes are fixed.
 * This mirrors the parameterisation SameDiff's InferenceSession performs on every call, done once.
 */
package dev.spectune.plan;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.ops.RandomOp;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.Shape;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

final class PlanOp {

    private final DifferentialFunction function;
    private final int[] originalInputs;
    private int[] inputs;
    private Specialization specialization;
    private final int[] outputs;
    private final String name;
    private boolean isStatic;
    private List<LongShapeDescriptor> shapes;     // output shapes, from the first call
    private boolean called;                       // executed at least once
    private boolean view;                         // a reshape run as a view of its input (ExecutionPlan tracks the aliasing)
    private boolean helpers = true;               // false: libnd4j's own kernels for this convolution or matmul (Kernels)
    private OpContext context;                    // a custom op's native call frame, kept from run to run (see runInContext)
    private INDArray viewOf, viewMade;            // a view op's last input and the view made of it

    private PlanOp(String name, DifferentialFunction function, int[] inputs, int[] outputs) {
        this.name = name;
        this.function = function;
        this.inputs = inputs;
        this.originalInputs = inputs;
        this.outputs = outputs;
    }

    static PlanOp of(SameDiffOp op, ToIntFunction<String> slot) {
        DifferentialFunction f = op.getOp();
        if (!(f instanceof DynamicCustomOp) && !(f instanceof Op)) {
            throw new IllegalArgumentException("plan: op '" + op.getName() + "' (" + f.getClass().getSimpleName() + ") is neither a custom nor a legacy op");
        }
        List<String> in = op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
        int[] inputs = in.stream().mapToInt(slot).toArray();
        int[] outputs = op.getOutputsOfOp().stream().mapToInt(slot).toArray();
        if (f instanceof Op legacy && !(f instanceof DynamicCustomOp)) {
            boolean ok = (legacy instanceof RandomOp && inputs.length <= 1) || inputs.length == 1 || (inputs.length == 2 && !(legacy instanceof ReduceOp) && !(legacy instanceof ScalarOp));
            if (!ok || outputs.length != 1) {
                throw new IllegalArgumentException("plan: legacy op '" + op.getName() + "' (" + f.opName() + ") with " + inputs.length
                        + " inputs and " + outputs.length + " outputs is not planned");
            }
        }
        return new PlanOp(op.getName(), f, inputs, outputs);
    }

    /**
     * A cheaper way to compute the outputs the plan reads (see {@link FrozenWeightGradients}). It
     * runs in the op's place; after the first call the op reads only {@link #inputs()}, so
     * liveness frees the inputs it no longer needs.
     */
    interface Specialization {
        int[] inputs();

        /** Decided on the first call, from the values' shapes: false keeps the original op. */
        default boolean applies(INDArray[] values) {
            return true;
        }

        /** @param shapes every slot's shape, as recorded when the slot was last written (readable after the value is freed) */
        void execute(INDArray[] values, long[][] shapes, int[] originalInputs, int[] outputs, BufferPool pool);
    }

    void specialize(Specialization s) {
        this.specialization = s;
    }

    /**
     * Replaces the op by {@code s} from the start (a fusion, or a specialization that always
     * applies): it reads s.inputs() from the first run, so the first run's liveness (which sizes
     * the buffer pool) already frees what s does not read.
     */
    void fuse(Specialization s) {
        this.specialization = s;
        this.inputs = s.inputs();
        this.called = true;
    }

    /** The op's kind for profiles: its libnd4j name, starred when specialized. */
    String kind() {
        return function.opName() + (specialization != null ? "*" : "") + (view ? " (view)" : "");
    }

    DifferentialFunction function() {
        return function;
    }

    int[] inputs() {
        return inputs;
    }

    String name() {
        return name;
    }

    /** The inputs the graph gave the op (a specialization may read fewer). */
    int[] originalInputs() {
        return originalInputs;
    }

    boolean isSpecialized() {
        return specialization != null;
    }

    boolean isFusedAttention() {
        return specialization instanceof AttentionFusion.ChunkedAttention;
    }

    int[] outputs() {
        return outputs;
    }

    /** Lets go of the arrays the op object was last given (an ND4J op keeps its inputs and outputs until its next call). */
    void clearArrays() {
        viewOf = viewMade = null;
        if (context != null) {
            try {
                context.close();
            } catch (Exception e) {
                throw new IllegalStateException("plan: op '" + name + "': freeing its native context failed", e);
            }
            context = null;
        }
        if (function instanceof DynamicCustomOp op) {
            op.clearArrays();
        } else if (function instanceof Op op) {
            op.setX(null);
            op.setY(null);
            op.setZ(null);
        }
    }

    /** A c-order reshape, unspecialized: it can run as a view of its input's buffer. */
    boolean canRunAsView() {
        if (!(function instanceof Reshape r) || specialization != null || outputs.length != 1) return false;
        long[] a = r.iArgs();
        return a.length == 0 || a[0] != Reshape.F_ORDER;
    }

    void runAsView() {
        view = true;
    }

    /** shape_of: reads its input's shape alone (from the plan's recorded shapes), so it does not keep the value alive. */
    boolean readsShapeOnly() {
        return function instanceof Shape;
    }

    /** A random op draws anew on every run: never folded, whatever its inputs. */
    boolean isRandom() {
        return function instanceof RandomOp || function.opName().startsWith("random") || function.opName().contains("dropout");
    }

    boolean isStatic() {
        return isStatic;
    }

    void setStatic(boolean s) {
        isStatic = s;
    }

    void execute(INDArray[] values, long[][] slotShapes, BufferPool pool) {
        if (!called) {                                                         // the first call decides whether the specialization applies
            called = true;
            if (specialization != null && !specialization.applies(values)) specialization = null;
        }
        if (view) {                                                            // the input's buffer under the output shape
            DynamicCustomOp op = (DynamicCustomOp) function;
            if (shapes == null) {
                op.clearArrays();
                for (int s : inputs) op.addInputArgument(values[s]);
                shapes = op.calculateOutputShape();
                op.clearArrays();
            }
            INDArray input = values[inputs[0]];
            if (input != viewOf) {                                             // the pool hands out the same arrays run after run: keep the view
                viewOf = input;
                viewMade = input.reshape('c', shapes.get(0).getShape().clone());   // no copy when the input is c-contiguous
            }
            values[outputs[0]] = viewMade;
        } else if (specialization == null && readsShapeOnly()) {                     // from the recorded shape: the value may be freed, or not yet recomputed
            DataType type = function.calculateOutputDataTypes(List.of(DataType.FLOAT)).get(0);
            values[outputs[0]] = Nd4j.createFromArray(slotShapes[inputs[0]].clone()).castTo(type);
        } else if (specialization != null) {
            specialization.execute(values, slotShapes, originalInputs, outputs, pool);
            inputs = specialization.inputs();
        } else if (function instanceof DynamicCustomOp op && shapes != null && !isRandom()) {
            runInContext(op, values, pool);
        } else if (function instanceof DynamicCustomOp op) {
            op.clearArrays();
            for (int s : inputs) op.addInputArgument(values[s]);
            if (shapes == null) {
                shapes = op.calculateOutputShape();
                if (op instanceof Conv2D) helpers = Kernels.useOneDnn(values[inputs[1]].length());
                if ((op instanceof Mmul || (op instanceof MmulBp && inputs.length == 3)) && values[inputs[0]].rank() == 2 && values[inputs[1]].rank() == 2) {
                    long n = op instanceof Mmul ? shapes.get(0).getShape()[1] : values[inputs[2]].size(values[inputs[2]].rank() - 1);   // product columns
                    helpers = Kernels.matmulOnOneDnn(values[inputs[0]].length() * n);                                                  // M·K·N
                }
            }
            if (shapes.size() < outputs.length) {
                throw new IllegalStateException("plan: op '" + name + "' (" + op.opName() + ") computes " + shapes.size()
                        + " outputs, the graph reads " + outputs.length);
            }
            for (int i = 0; i < outputs.length; i++) {
                INDArray z = pool.take(shapes.get(i));
                op.addOutputArgument(z);
                values[outputs[i]] = z;
            }
            exec(op, helpers);
        } else {
            Op op = (Op) function;
            if (inputs.length > 0) op.setX(values[inputs[0]]);
            if (inputs.length == 2) op.setY(values[inputs[1]]);
            op.setZ(null);
            if (shapes == null) shapes = function.calculateOutputShape();
            INDArray z = pool.take(shapes.get(0));
            op.setZ(z);
            values[outputs[0]] = z;
            if (op instanceof RandomOp random) Nd4j.getExecutioner().exec(random, Nd4j.getRandom());
            else Nd4j.getExecutioner().exec(op);
        }
    }

    /**
     * A later call of a custom op: its native context (arguments, data types, helper choice) is
     * built once and only the arrays are set on each call. ND4J's exec(op) builds and frees a
     * context every time and re-reads the op's Java-side arguments: ~4–20 µs against ~1–3 µs here,
     * over the ~7,000 ops of a small UNet's step. Random ops keep exec(op), which seeds them.
     */
    private void runInContext(DynamicCustomOp op, INDArray[] values, BufferPool pool) {
        INDArray[] in = new INDArray[inputs.length], out = new INDArray[outputs.length];
        for (int i = 0; i < in.length; i++) in[i] = values[inputs[i]];
        for (int i = 0; i < out.length; i++) {
            out[i] = pool.take(shapes.get(i));
            values[outputs[i]] = out[i];
        }
        if (context == null) {
            context = contextFor(op, helpers);
            op.clearArrays();                                                  // the context holds this call's arrays; the op object none
        }
        context.setInputArrays(in);
        context.setOutputArrays(out);
        Nd4j.getExecutioner().exec(op, context);
    }

    /** Runs a custom op, with oneDNN's kernels or (helpers false) libnd4j's own. */
    static void exec(DynamicCustomOp op, boolean helpers) {
        if (helpers) {
            Nd4j.getExecutioner().exec(op);
            return;
        }
        try (OpContext ctx = contextFor(op, false)) {
            ctx.setInputArrays(op.inputArguments());
            ctx.setOutputArrays(op.outputArguments());
            Nd4j.getExecutioner().exec(op, ctx);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /** A native call frame with the op's integer, float, boolean and type arguments, and the kernel choice. */
    private static OpContext contextFor(DynamicCustomOp op, boolean helpers) {
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setIArguments(op.iArgs());
        ctx.setTArguments(op.tArgs());
        if (op.numBArguments() > 0) ctx.setBArguments(op.bArgs());
        if (op.numDArguments() > 0) ctx.setDArguments(op.dArgs());
        ctx.allowHelpers(helpers);
        return ctx;
    }

    String describe(List<String> slotNames) {
        StringBuilder sb = new StringBuilder(function.opName()).append(specialization != null ? "*" : "").append(" [").append(name).append("] (");
        for (int i = 0; i < inputs.length; i++) sb.append(i > 0 ? ", " : "").append(slotNames.get(inputs[i]));
        sb.append(") -> (");
        for (int i = 0; i < outputs.length; i++) {
            sb.append(i > 0 ? ", " : "").append(slotNames.get(outputs[i]));
            if (shapes != null && i < shapes.size()) sb.append(' ').append(Arrays.toString(shapes.get(i).getShape()));
        }
        return sb.append(')').append(isStatic ? " static" : "").toString();
    }
}
