/*
 * Timesteps: the inference timestep grids diffusers builds for SD configs (timestep_spacing).
 *
 *   leading   (arange(n) · (N // n)).round()[::-1] + steps_offset
 *   trailing  round(arange(N, 0, −N/n)) − 1
 *   linspace  linspace(0, N − 1, n).round()[::-1]
 */
package dev.spectune.model.scheduler;

final class Timesteps {
    private Timesteps() {}

    static int[] of(String spacing, int trainSteps, int steps, int stepsOffset) {
        if (steps < 1 || steps > trainSteps) {
            throw new IllegalArgumentException("number of inference steps must be in [1, " + trainSteps + "], got " + steps);
        }
        int[] t = new int[steps];
        switch (spacing) {
            case "leading" -> {
                int ratio = trainSteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (steps - 1 - i) * ratio + stepsOffset;
            }
            case "trailing" -> {
                double ratio = (double) trainSteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (int) Math.round(trainSteps - i * ratio) - 1;
            }
            case "linspace" -> {
                for (int i = 0; i < steps; i++) t[i] = (int) Math.rint((double) (trainSteps - 1) * (steps - 1 - i) / Math.max(1, steps - 1));
            }
            default -> throw new IllegalArgumentException("unknown timestep_spacing '" + spacing + "'");
        }
        return t;
    }

    static double[] toDouble(int[] t) {
        double[] d = new double[t.length];
        for (int i = 0; i < t.length; i++) d[i] = t[i];
        return d;
    }
}
