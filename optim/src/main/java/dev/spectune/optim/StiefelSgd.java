/*
 * StiefelSgd: momentum SGD on the Stiefel manifold St(n, m) = {X : XᵀX = I} (Kong, Wang & Tao,
 * "Momentum Stiefel Optimizer", ICLR 2023, Algorithm 1), as the reference StiefelSGD steps it.
 * Wide parameters are optimized as their transpose. With G the Euclidean gradient, η = lr, μ:
 *
 *   Y ← μ·Y − (1−d)·(1−b)/2·(XᵀG − GᵀX)                  skew (tangent) momentum   [m, m]
 *   V ← μ·V + c·(η/μ)·V·Y_old − (1−d)·(G − X·XᵀG)          normal momentum (tall X)  [n, m]
 *   X ← move(X, Y, η);  then for tall X:  X ← X + η·V·XᵀX,  V ← V − η·X·VᵀV
 *   X ← X·(XᵀX)^{-1/2}
 * (b = a/(a−1), c = −(3a−2)/2, a = 1/2 canonical or 0 Euclidean; see StiefelOptions.)
 */
package dev.spectune.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class StiefelSgd extends NamedOptimizer {

    private final Map<String, StiefelParam> state = new LinkedHashMap<>();
    private final double momentum, dampening;
    private final StiefelOptions options;

    public StiefelSgd(Map<String, INDArray> params, double lr, double momentum, double dampening, StiefelOptions options) {
        if (!(momentum > 0)) throw new IllegalArgumentException("Stiefel SGD needs momentum > 0 (it divides by it), got " + momentum);
        super(params, lr);
        this.momentum = momentum;
        this.dampening = dampening;
        this.options = options;
        params.forEach((k, v) -> state.put(k, new StiefelParam(v)));
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        for (var e : state.entrySet()) {
            INDArray grad = gradients.get(e.getKey());
            if (grad != null) update(e.getValue(), e.getValue().tall(grad));
        }
    }

    private void update(StiefelParam p, SmallMatrix g) {
        SmallMatrix x = p.x();
        if (p.y == null) {
            p.y = new SmallMatrix(p.m, p.m);
            if (!p.square()) p.v = new SmallMatrix(p.n, p.m);
        }
        SmallMatrix xtg = x.transpose().times(g);                                                   // [m, m]
        SmallMatrix gradY = xtg.plus(xtg.transpose(), -1).scaleInPlace(options.skewGradientScale());  // [m, m]
        if (!p.square()) {
            SmallMatrix gradV = g.plus(x.times(xtg), -1);                                          // [n, m]
            p.v.scaleInPlace(momentum);
            p.v.addInPlace(p.v.times(p.y), options.couplingScale() * lr / momentum);
            p.v.addInPlace(gradV, -(1 - dampening));
        }
        p.y.scaleInPlace(momentum).addInPlace(gradY, -(1 - dampening));
        x = StiefelGeometry.move(x, p.y, lr, options.expMethod());
        if (!p.square()) {
            SmallMatrix xvtv = x.times(p.v.transpose().times(p.v));
            x = x.plus(p.v.times(x.transpose().times(x)), lr);
            p.v.addInPlace(xvtv, -lr);
        }
        p.write(StiefelGeometry.retract(x, options, p));
        p.round(p.y);
        p.round(p.v);
    }

    /** Newton–Schulz iterations of each parameter's last retraction (diagnostics; the stop is data dependent). */
    public Map<String, Integer> lastRootInverseIterations() {
        return StiefelParam.lastIterations(state);
    }

    /** Momentum buffers by parameter: "name/Y", "name/V" (in the optimizer's tall orientation). */
    @Override
    public Map<String, INDArray> stateTensors() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        state.forEach((k, p) -> p.exportInto(k, s));
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        state.forEach((k, p) -> p.loadFrom(k, tensors));
        loadScalars(scalars);
    }
}
