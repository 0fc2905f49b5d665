/*
 * LearningRateSchedule: the learning-rate multipliers diffusers' get_scheduler names
 * (optimization.py), as a function of the step (0-based, as LambdaLR sees it).
 *
 *   constant                     1
 *   constant_with_warmup         min(1, s/w)
 *   linear                       s < w ? s/w : max(0, (T − s)/(T − w))
 *   cosine                       s < w ? s/w : max(0, ½(1 + cos(π·c·2p))), p = (s − w)/(T − w), c = cycles (0.5)
 *   cosine_with_restarts         s < w ? s/w : p ≥ 1 ? 0 : max(0, ½(1 + cos(π·((c·p) mod 1))))
 *   polynomial                   s < w ? s/w : s > T ? end/lr : (lr − end)·(1 − (s − w)/(T − w))^power + end, over lr
 */
package dev.spectune.optim;

import java.util.List;

public record LearningRateSchedule(String name, int warmupSteps, int totalSteps, double cycles, double power, double endLr) {

    public static final List<String> NAMES = List.of("constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial");

    public LearningRateSchedule {
        if (!NAMES.contains(name)) throw new IllegalArgumentException("unknown lr schedule '" + name + "' (choose one of " + NAMES + ")");
        if (warmupSteps < 0 || totalSteps < 0) throw new IllegalArgumentException("warmup and total steps must be >= 0");
    }

    public static LearningRateSchedule of(String name, int warmupSteps, int totalSteps) {
        return new LearningRateSchedule(name, warmupSteps, totalSteps, name.equals("cosine_with_restarts") ? 1 : 0.5, 1.0, 1e-7);
    }

    /** The multiplier of the base learning rate at 0-based step s. */
    public double multiplier(int s, double baseLr) {
        if (name.equals("constant")) return 1.0;
        if (s < warmupSteps) return (double) s / Math.max(1, warmupSteps);
        if (name.equals("constant_with_warmup")) return 1.0;
        double progress = (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (name) {
            case "linear" -> Math.max(0.0, (double) (totalSteps - s) / Math.max(1, totalSteps - warmupSteps));
            case "cosine" -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
            case "cosine_with_restarts" -> progress >= 1.0 ? 0.0 : Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * ((cycles * progress) % 1.0))));
            case "polynomial" -> {
                if (endLr > baseLr) throw new IllegalArgumentException("lr_end (" + endLr + ") must be smaller than the initial lr (" + baseLr + ")");
                if (s > totalSteps) yield endLr / baseLr;
                double remaining = 1 - (double) (s - warmupSteps) / (totalSteps - warmupSteps);
                yield ((baseLr - endLr) * Math.pow(remaining, power) + endLr) / baseLr;
            }
            default -> 1.0;
        };
    }
}
