/*
 * GroupSchedule: which of two optimizer groups step at an iteration — JOINT (both, every
 * iteration) or ALTERNATING (the first on even iterations, the second on odd ones), the two ways
 * SODA's scripts trained the spectrum δ and the rotation factors. A group that does not step keeps
 * its state and step count; gradients are cleared for both every iteration.
 */
package dev.spectune.optim;

public enum GroupSchedule {
    JOINT, ALTERNATING;

    public boolean firstSteps(int iteration) {
        return this == JOINT || iteration % 2 == 0;
    }

    public boolean secondSteps(int iteration) {
        return this == JOINT || iteration % 2 == 1;
    }
}
