/* TinyRuns: the training configuration the trainer-level tests share — the tiny golden pipeline, the DreamBooth dog photos, 32 px, seed 3. */
package dev.spectune.training;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.testing.TestFixtures;
import java.nio.file.Path;
import java.util.List;

final class TinyRuns {
    private TinyRuns() {}

    static TrainingConfig config(Path out, AdapterSpec spec, double dcoBeta, String textTargets, boolean sampleLatents) {
        return new TrainingConfig(TestFixtures.path("golden/pipeline_tiny"), TestFixtures.path("artifacts/dreambooth/dataset/dog"), "a photo of sks dog",
                spec, AdapterInjector.UNET_ATTENTION.pattern(), 5, 1e-2, 2e-2, 1, 32, 3, "constant", 0, 1.0, false, out, 0,
                List.of("a photo of sks dog"), 0, 0, false, 0, 0, 1, null, null, 0, 0, dcoBeta, textTargets, sampleLatents);
    }
}
