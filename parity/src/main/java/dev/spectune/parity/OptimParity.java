/*
 * OptimParity: the optimizers against the SODA golden folder (shared/golden/soda README §3–4):
 * every Stiefel-optimizer trajectory of stiefel_optimizers.safetensors (StiefelTrajectoryParity)
 * and SODA's training loop of soda_training_steps.safetensors (SodaTrainingParity).
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class OptimParity {
    private OptimParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("optim");
        Path stiefel = folder.resolve("stiefel_optimizers.safetensors"), training = folder.resolve("soda_training_steps.safetensors");
        if (!Files.isRegularFile(stiefel) || !Files.isRegularFile(training)) {
            throw new CheckpointException(folder + ": expected stiefel_optimizers.safetensors and soda_training_steps.safetensors");
        }
        try (GoldenFile g = r.open(stiefel)) {
            StiefelTrajectoryParity.run(r, g);
        }
        try (GoldenFile g = r.open(training)) {
            SodaTrainingParity.run(r, g);
        }
        return r;
    }
}
