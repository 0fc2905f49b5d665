/* AdapterRewire: replaces every use of one graph variable by another (a placeholder by a trainable variable, a weight by W(θ)). */
package dev.spectune.training.parity;

import java.util.List;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

final class AdapterRewire {
    private AdapterRewire() {}

    static void replaceUses(SameDiff sd, SDVariable old, SDVariable replacement) {
        List<String> consumers = sd.getVariables().get(old.name()).getInputsForOp();
        if (consumers == null) return;
        for (String opName : List.copyOf(consumers)) {
            DifferentialFunction op = sd.getOps().get(opName).getOp();
            String[] args = op.argNames();
            for (int i = 0; i < args.length; i++) if (args[i].equals(old.name())) sd.replaceArgFor(i, replacement, op);
        }
    }
}
