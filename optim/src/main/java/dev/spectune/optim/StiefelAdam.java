/*
 * StiefelAdam: the adaptive momentum Stiefel optimizer of Kong, Wang & Tao (ICLR 2023,
 * Algorithm 2), as the reference StiefelAdam steps it. Second moments are elementwise, on the skew
 * momentum and on the normal momentum; the normal part is projected back onto the normal space.
 *
 *   k += 1;  c1 = 1 − β1^k;  c2 = 1 − β2^k
 *   Y ← β1·Y − (1−β1)·(1−b)/2·(XᵀG − GᵀX);    pY ← β2·pY + (1−β2)·gradY²
 *   ξ = (η/c1)·Y / (√(pY/c2) + ε);            X ← move(X, ξ, 1)
 *   tall X: gradV = G − X·XᵀG;  pV ← β2·pV + (1−β2)·gradV²
 *           V ← β1·V + c·(η/β1)·V·Y_new − (1−β1)·gradV;  Vd = V/(√(pV/c2) + ε)
 *           Vt = Vd − X(XᵀX)⁻¹XᵀVd;  X ← X + η·Vt·XᵀX;  V ← V − η·X·VtᵀV
 *   X ← X·(XᵀX)^{-1/2}
 */
package dev.spectune.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class StiefelAdam extends NamedOptimizer {

    private final Map<String, StiefelParam> state = new LinkedHashMap<>();
    private final double beta1, beta2, epsilon;
    private final StiefelOptions options;

    public StiefelAdam(Map<String, INDArray> params, double lr, double beta1, double beta2, double epsilon, StiefelOptions options) {
        if (beta1 <= 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("betas must be in (0, 1) and [0, 1)");
        super(params, lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.options = options;
        params.forEach((k, v) -> state.put(k, new StiefelParam(v)));
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        for (var e : state.entrySet()) {
            INDArray grad = gradients.get(e.getKey());
            if (grad == null) continue;
            int k = countStep(e.getKey());
            update(e.getValue(), e.getValue().tall(grad), k);
        }
    }

    private void update(StiefelParam p, SmallMatrix g, int k) {
        SmallMatrix x = p.x();
        if (p.y == null) {
            p.y = new SmallMatrix(p.m, p.m);
            p.pY = new SmallMatrix(p.m, p.m);
            if (!p.square()) {
                p.v = new SmallMatrix(p.n, p.m);
                p.pV = new SmallMatrix(p.n, p.m);
            }
        }
        double c1 = 1 - Math.pow(beta1, k), c2 = 1 - Math.pow(beta2, k);
        SmallMatrix xtg = x.transpose().times(g);                                                   // [m, m]
        SmallMatrix gradY = xtg.plus(xtg.transpose(), -1).scaleInPlace(options.skewGradientScale());  // [m, m]
        SmallMatrix gradV = null;
        if (!p.square()) {
            gradV = g.plus(x.times(xtg), -1);                                                      // [n, m]
            secondMoment(p.pV, gradV);
        }
        p.y.scaleInPlace(beta1).addInPlace(gradY, -(1 - beta1));
        secondMoment(p.pY, gradY);
        SmallMatrix xi = adaptive(p.y, p.pY, c2).scaleInPlace(lr / c1);
        x = StiefelGeometry.move(x, xi, 1.0, options.expMethod());
        if (!p.square()) {
            p.v.scaleInPlace(beta1);
            p.v.addInPlace(p.v.times(p.y), options.couplingScale() * lr / beta1);
            p.v.addInPlace(gradV, -(1 - beta1));
            SmallMatrix vd = adaptive(p.v, p.pV, c2);
            SmallMatrix xtx = x.transpose().times(x);
            SmallMatrix vt = vd.plus(x.times(SmallMatrix.solve(xtx, x.transpose().times(vd))), -1);
            SmallMatrix xvtv = x.times(vt.transpose().times(p.v));
            x = x.plus(vt.times(xtx), lr);
            p.v.addInPlace(xvtv, -lr);
        }
        p.write(StiefelGeometry.retract(x, options, p));
        p.round(p.y);
        p.round(p.pY);
        p.round(p.v);
        p.round(p.pV);
    }

    /** p ← β2·p + (1−β2)·g², elementwise. */
    private void secondMoment(SmallMatrix p, SmallMatrix g) {
        for (int i = 0; i < p.a.length; i++) p.a[i] = beta2 * p.a[i] + (1 - beta2) * g.a[i] * g.a[i];
    }

    /** m / (√(p/c2) + ε), elementwise. */
    private SmallMatrix adaptive(SmallMatrix m, SmallMatrix p, double c2) {
        SmallMatrix out = new SmallMatrix(m.rows, m.cols);
        for (int i = 0; i < out.a.length; i++) out.a[i] = m.a[i] / (Math.sqrt(p.a[i] / c2) + epsilon);
        return out;
    }

    /** Newton–Schulz iterations of each parameter's last retraction (diagnostics; the stop is data dependent). */
    public Map<String, Integer> lastRootInverseIterations() {
        return StiefelParam.lastIterations(state);
    }

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
