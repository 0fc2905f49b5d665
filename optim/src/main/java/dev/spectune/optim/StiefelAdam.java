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

import dev.spectune.linalg.LinearSolve;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

public final class StiefelAdam implements Optimizer {

    private final Map<String, INDArray> params;
    private final Map<String, StiefelParam> state = new LinkedHashMap<>();
    private final Map<String, Integer> steps = new LinkedHashMap<>();
    private double lr;
    private final double beta1, beta2, epsilon;
    private final StiefelOptions options;

    public StiefelAdam(Map<String, INDArray> params, double lr, double beta1, double beta2, double epsilon, StiefelOptions options) {
        if (beta1 <= 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("betas must be in (0, 1) and [0, 1)");
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.options = options;
        params.forEach((k, v) -> state.put(k, new StiefelParam(v)));
    }

    @Override
    public Map<String, INDArray> parameters() {
        return params;
    }

    @Override
    public void step(Map<String, INDArray> gradients) {
        for (var e : state.entrySet()) {
            INDArray grad = gradients.get(e.getKey());
            if (grad == null) continue;
            int k = steps.merge(e.getKey(), 1, Integer::sum);
            update(e.getValue(), e.getValue().tallGradient(grad), k);
        }
    }

    private void update(StiefelParam p, INDArray g, int k) {
        INDArray x = p.x();
        long m = x.columns();
        if (p.y == null) {
            p.y = org.nd4j.linalg.factory.Nd4j.zeros(x.dataType(), m, m);
            p.pY = p.y.dup();
            if (!p.square()) {
                p.v = x.ulike().assign(0);
                p.pV = p.v.dup();
            }
        }
        double c1 = 1 - Math.pow(beta1, k), c2 = 1 - Math.pow(beta2, k);
        INDArray xtg = x.transpose().mmul(g);                                         // [m, m]
        INDArray gradY = xtg.sub(xtg.transpose()).muli(options.skewGradientScale());  // [m, m]
        INDArray gradV = null;
        if (!p.square()) {
            gradV = g.sub(x.mmul(xtg));                                              // [n, m]
            p.pV.muli(beta2).addi(gradV.mul(gradV).muli(1 - beta2));
        }
        p.y.muli(beta1).subi(gradY.mul(1 - beta1));
        p.pY.muli(beta2).addi(gradY.mul(gradY).muli(1 - beta2));
        INDArray xi = p.y.mul(lr / c1).divi(Transforms.sqrt(p.pY.div(c2), false).addi(epsilon));
        x = StiefelGeometry.move(x, xi, 1.0, options.expMethod());
        if (!p.square()) {
            p.v.muli(beta1);
            p.v.addi(p.v.mmul(p.y).muli(options.couplingScale() * lr / beta1));
            p.v.subi(gradV.muli(1 - beta1));
            INDArray vd = p.v.div(Transforms.sqrt(p.pV.div(c2), false).addi(epsilon));
            INDArray xtx = x.transpose().mmul(x);
            INDArray vt = vd.sub(x.mmul(solve(xtx, x.transpose().mmul(vd))));
            INDArray xvtv = x.mmul(vt.transpose().mmul(p.v));
            x = x.add(vt.mmul(xtx).muli(lr));
            p.v.subi(xvtv.muli(lr));
        }
        p.write(StiefelGeometry.retract(x, options, p));
    }

    /** (XᵀX)⁻¹·B for the small SPD matrix XᵀX (the reference forms inv(XᵀX); a solve is the same up to rounding). */
    private static INDArray solve(INDArray a, INDArray b) {
        return LinearSolve.solve(a, b);
    }

    /** Newton–Schulz iterations of each parameter's last retraction (diagnostics; the stop is data dependent). */
    public Map<String, Integer> lastRootInverseIterations() {
        Map<String, Integer> out = new LinkedHashMap<>();
        state.forEach((k, p) -> out.put(k, p.lastRootInverseIterations));
        return out;
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    @Override
    public Map<String, INDArray> stateTensors() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        state.forEach((k, p) -> {
            if (p.y != null) s.put(k + "/Y", p.y.dup());
            if (p.pY != null) s.put(k + "/pY", p.pY.dup());
            if (p.v != null) s.put(k + "/V", p.v.dup());
            if (p.pV != null) s.put(k + "/pV", p.pV.dup());
        });
        return s;
    }

    @Override
    public Map<String, Double> stateScalars() {
        Map<String, Double> s = new LinkedHashMap<>();
        steps.forEach((k, v) -> s.put(k + "/step", (double) v));
        s.put("lr", lr);
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> tensors, Map<String, Double> scalars) {
        steps.clear();
        state.forEach((k, p) -> {
            p.y = copy(tensors.get(k + "/Y"));
            p.pY = copy(tensors.get(k + "/pY"));
            p.v = copy(tensors.get(k + "/V"));
            p.pV = copy(tensors.get(k + "/pV"));
            if (scalars.containsKey(k + "/step")) steps.put(k, scalars.get(k + "/step").intValue());
        });
        if (scalars.containsKey("lr")) lr = scalars.get("lr");
    }

    private static INDArray copy(INDArray a) {
        return a == null ? null : a.dup();
    }
}
