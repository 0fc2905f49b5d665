/*
 * GradCheck: central finite differences against SameDiff backprop, in float64.
 *
 * The scalar checked is L = Σ output ⊙ R with R a fixed random tensor, so every output element
 * contributes with a distinct weight. For each variable, up to maxPerVariable entries (all of
 * them for small variables, a seeded sample otherwise) are perturbed by ±h and
 *   |g_backprop − (L(θ+h) − L(θ−h)) / 2h| ≤ tol · max(|g_backprop|, |g_fd|, floor)
 * with floor = max(1e-8, 1e-3 · max|g| of that variable), so entries far below the variable's
 * gradient scale are judged on the scale of the variable, not on their own round-off.
 * must hold. h = 1e-5 keeps truncation (~h²) and round-off (~ε·|L|/h) near 1e-10.
 */
package dev.spectune.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class GradCheck {
    private GradCheck() {}

    public static final double STEP = 1e-5;

    /** The worst entry found: its variable, flat index, the two gradients and their relative error. */
    public record Worst(String variable, long index, double backprop, double finiteDifference, double relativeError, int checked) {
        @Override
        public String toString() {
            return String.format("worst %s[%d]: backprop %.10g, finite difference %.10g, rel %.3g (%d entries checked)",
                    variable, index, backprop, finiteDifference, relativeError, checked);
        }
    }

    /**
     * Checks d(Σ output ⊙ R)/dθ for the named float64 variables of the graph.
     *
     * @return the worst relative error over all checked entries
     */
    public static Worst check(SameDiff sd, SDVariable output, List<String> variables, int maxPerVariable, long seed) {
        INDArray out = output.eval();
        if (out.dataType() != DataType.DOUBLE) throw new IllegalArgumentException("gradient checks run in float64");
        Random random = new Random(seed);
        INDArray weights = Nd4j.rand(DataType.DOUBLE, out.shape()).subi(0.5).muli(2);
        SDVariable loss = output.mul(sd.constant("gradcheck_weights_" + seed, weights)).sum().rename("gradcheck_loss_" + seed);
        sd.setLossVariables(loss);
        Map<String, INDArray> grads = sd.calculateGradients(Collections.emptyMap(), variables);

        Worst worst = new Worst("-", -1, 0, 0, 0, 0);
        int checked = 0;
        for (String name : variables) {
            INDArray param = sd.getVariable(name).getArr();
            INDArray grad = grads.get(name);
            if (grad == null) throw new AssertionError("no gradient for " + name);
            double floor = Math.max(1e-8, 1e-3 * grad.amaxNumber().doubleValue());
            long n = param.length();
            List<Long> indices = new ArrayList<>();
            if (n <= maxPerVariable) {
                for (long i = 0; i < n; i++) indices.add(i);
            } else {
                for (int i = 0; i < maxPerVariable; i++) indices.add((long) random.nextInt((int) n));
            }
            for (long i : indices) {
                double original = param.getDouble(i);
                param.putScalar(i, original + STEP);
                double plus = lossValue(sd, loss);
                param.putScalar(i, original - STEP);
                double minus = lossValue(sd, loss);
                param.putScalar(i, original);
                double fd = (plus - minus) / (2 * STEP);
                double bp = grad.getDouble(i);   // linear (c-order) index, as for param
                double rel = Math.abs(bp - fd) / Math.max(Math.max(Math.abs(bp), Math.abs(fd)), floor);
                checked++;
                if (rel > worst.relativeError()) worst = new Worst(name, i, bp, fd, rel, 0);
            }
        }
        return new Worst(worst.variable(), worst.index(), worst.backprop(), worst.finiteDifference(),
                worst.relativeError(), checked);
    }

    private static double lossValue(SameDiff sd, SDVariable loss) {
        return sd.output(Collections.<String, INDArray>emptyMap(), loss.name()).get(loss.name()).getDouble(0);
    }
}
