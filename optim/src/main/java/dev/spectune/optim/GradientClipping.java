/*
 * GradientClipping: torch.nn.utils.clip_grad_norm_ — scale all gradients of a group by
 * min(1, max_norm / (‖g‖₂ + 1e-6)), ‖g‖₂ the norm of all of them together.
 */
package dev.spectune.optim;

import java.util.Collection;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class GradientClipping {
    private GradientClipping() {}

    /** Scales the gradients in place and returns the total norm before clipping. */
    public static double clipByGlobalNorm(Collection<INDArray> gradients, double maxNorm) {
        double sumSquares = 0;
        for (INDArray g : gradients) {
            double n = g.norm2Number().doubleValue();
            sumSquares += n * n;
        }
        double total = Math.sqrt(sumSquares);
        double coefficient = Math.min(1.0, maxNorm / (total + 1e-6));
        if (coefficient < 1.0) for (INDArray g : gradients) g.muli(coefficient);
        return total;
    }
}
