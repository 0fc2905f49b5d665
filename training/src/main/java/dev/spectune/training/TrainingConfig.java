/*
 * TrainingConfig: every setting of a DreamBooth-style run, validated; run.json records it.
 * checkpointEvery 0 writes no intermediate checkpoints; keepCheckpoints 0 keeps them all; resume
 * continues from the newest checkpoint under out/checkpoints. snrGamma 0 turns min-SNR weighting off;
 * offsetNoise 0 turns offset noise off. classImages null turns prior preservation off.
 */
package dev.spectune.training;

import dev.spectune.adapters.AdapterSpec;
import java.nio.file.Path;
import java.util.List;

public record TrainingConfig(Path model, Path images, String prompt, AdapterSpec adapter, String targets, int steps, double learningRate,
                             double stiefelLearningRate, int batchSize, int resolution, long seed, String lrSchedule, int warmupSteps,
                             double maxGradNorm, boolean randomFlip, Path out, int validationEvery, List<String> validationPrompts,
                             int checkpointEvery, int keepCheckpoints, boolean resume, double snrGamma, double offsetNoise, int gradientAccumulation,
                             Path classImages, String classPrompt, int numClassImages, double priorLossWeight, double dcoBeta,
                             String textTargets, boolean sampleLatents) {

    public TrainingConfig {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        if (!(learningRate > 0) || !(stiefelLearningRate > 0)) throw new IllegalArgumentException("learning rates must be positive");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (resolution < 8) throw new IllegalArgumentException("resolution must be >= 8, got " + resolution);
        if (prompt == null || prompt.isBlank()) throw new IllegalArgumentException("an instance prompt is required");
        if (maxGradNorm <= 0) throw new IllegalArgumentException("max grad norm must be positive");
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval must be >= 0 (0: none), got " + checkpointEvery);
        if (gradientAccumulation < 1) throw new IllegalArgumentException("gradient accumulation must be >= 1, got " + gradientAccumulation);
        if (classImages != null && (classPrompt == null || classPrompt.isBlank())) {
            throw new IllegalArgumentException("prior preservation needs a class prompt, e.g. \"a photo of a dog\"");
        }
        if (classImages != null && (numClassImages < 1 || !(priorLossWeight > 0))) {
            throw new IllegalArgumentException("prior preservation needs >= 1 class image and a positive prior loss weight");
        }
        if (snrGamma < 0) throw new IllegalArgumentException("min-SNR gamma must be >= 0 (0: off), got " + snrGamma);
        if (offsetNoise < 0) throw new IllegalArgumentException("offset noise must be >= 0, got " + offsetNoise);
        if (keepCheckpoints < 0) throw new IllegalArgumentException("checkpoints to keep must be >= 0 (0: all), got " + keepCheckpoints);
        if (textTargets != null && textTargets.isBlank()) textTargets = null;
        if (validationPrompts == null || validationPrompts.isEmpty() || validationPrompts.stream().anyMatch(v -> v == null || v.isBlank())) {
            throw new IllegalArgumentException("validation needs at least one non-empty prompt, got " + validationPrompts);
        }
        validationPrompts = List.copyOf(validationPrompts);
        if (dcoBeta < 0) throw new IllegalArgumentException("DCO β must be >= 0 (0: plain MSE), got " + dcoBeta);
        if (dcoBeta > 0 && adapter.config() instanceof dev.spectune.adapters.SodaSvd.Config soda && soda.initialDelta() != 0) {
            throw new IllegalArgumentException("DCO compares with the adapter at its initialisation, which is the base model only when it starts"
                    + " at the identity: use SODA's δ0 = 0 with DCO (got " + soda.initialDelta() + ")");
        }
    }

    /** Without DCO (β = 0: the plain diffusion MSE), with the text encoder frozen and the latents at the posterior mean. */
    public TrainingConfig(Path model, Path images, String prompt, AdapterSpec adapter, String targets, int steps, double learningRate,
                          double stiefelLearningRate, int batchSize, int resolution, long seed, String lrSchedule, int warmupSteps,
                          double maxGradNorm, boolean randomFlip, Path out, int validationEvery, List<String> validationPrompts,
                          int checkpointEvery, int keepCheckpoints, boolean resume, double snrGamma, double offsetNoise, int gradientAccumulation,
                          Path classImages, String classPrompt, int numClassImages, double priorLossWeight) {
        this(model, images, prompt, adapter, targets, steps, learningRate, stiefelLearningRate, batchSize, resolution, seed, lrSchedule, warmupSteps,
                maxGradNorm, randomFlip, out, validationEvery, validationPrompts, checkpointEvery, keepCheckpoints, resume, snrGamma, offsetNoise,
                gradientAccumulation, classImages, classPrompt, numClassImages, priorLossWeight, 0, null, false);
    }

    /** True when the text encoder's layers matching {@link #textTargets} are adapted and trained too. */
    public boolean trainsTextEncoder() {
        return textTargets != null;
    }

    /** The settings a resumed run must share with the run it continues (not validation or checkpoint cadence). */
    public String fingerprint(String baseModelHash) {
        return String.join("|", baseModelHash, images.toAbsolutePath().normalize().toString(), prompt, adapter.toString(), targets, Integer.toString(steps),
                Double.toString(learningRate), Double.toString(stiefelLearningRate), Integer.toString(batchSize), Integer.toString(resolution),
                Long.toString(seed), lrSchedule, Integer.toString(warmupSteps), Double.toString(maxGradNorm), Boolean.toString(randomFlip),
                Double.toString(snrGamma), Double.toString(offsetNoise), Integer.toString(gradientAccumulation),
                String.valueOf(classImages), String.valueOf(classPrompt), Integer.toString(numClassImages), Double.toString(priorLossWeight),
                Double.toString(dcoBeta), String.valueOf(textTargets), Boolean.toString(sampleLatents));
    }
}
