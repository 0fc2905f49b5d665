/*
 * AdaptedLinear: the reference layers of the adapter papers' authors are nn.Linear modules whose
 * weight an adapter replaces; their golden files store an input x, the upstream gradient G (or
 * "upstream_grad"), the bias b0, and the output y and the gradients of Σ y ⊙ G. This runs the same
 * computation on spectune's adapter: y = x·W(θ)ᵀ + b0 through the production Linear op, then the
 * gradients of Σ y ⊙ G with respect to every adapter parameter and x.
 */
package dev.spectune.parity;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.ops.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class AdaptedLinear {
    private AdaptedLinear() {}

    /** y [N, out] and the gradients of Σ y ⊙ G by parameter name (and "x"). */
    record Result(INDArray y, Map<String, INDArray> grads) {}

    static Result run(SameDiff sd, AdaptedWeight a, INDArray x, INDArray b0, INDArray upstream) {
        long out = a.base().rows(), in = a.base().columns();
        SDVariable xv = sd.var("x", x);                                                                     // [N, in]
        SDVariable y = Linear.apply(sd, xv, a.weight(), sd.constant("b0", b0), in, out);                   // [N, out]
        sd.setLossVariables(y.mul(sd.constant("G", upstream)).sum().rename("loss"));
        List<String> names = new ArrayList<>();
        a.parameters().forEach(p -> names.add(p.name()));
        names.add("x");
        return new Result(y.eval(), sd.calculateGradients(Map.of(), names));
    }

    /** The base layer's output x·W0ᵀ + b0 [N, out] through the same Linear op. */
    static INDArray base(INDArray w0, INDArray x, INDArray b0) {
        SameDiff sd = SameDiff.create();
        return Linear.apply(sd, sd.constant("x", x), sd.constant("w0", w0), sd.constant("b0", b0), w0.columns(), w0.rows()).eval();
    }

    /** The upstream gradient's name in a golden file: "G" (SODA's files) or "upstream_grad". */
    static String upstreamName(GoldenFile g, String suffix) {
        return g.has("G" + suffix) ? "G" + suffix : "upstream_grad" + suffix;
    }

    /** The parameter's leaf name: "fc.soda_delta" → "soda_delta". */
    static String leaf(AdapterParameter p) {
        return p.name().substring(p.name().lastIndexOf('.') + 1);
    }

    static DataType type(boolean f64) {
        return f64 ? DataType.DOUBLE : DataType.FLOAT;
    }
}
