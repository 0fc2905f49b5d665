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
        TrainingConfig c = TrainingConfig.of(TestFixtures.path("golden/pipeline_tiny"), TestFixtures.path("artifacts/dreambooth/dataset/dog"),
                "a photo of sks dog", spec, out).withResolution(32).withSteps(5, 1e-2, 2e-2, 3)
                .withTargets(AdapterInjector.UNET_ATTENTION.pattern(), textTargets).withLoss(new TrainingConfig.Loss(0, 0, dcoBeta, null));
        return c.withSubject(new TrainingConfig.Subject(c.model(), c.images(), c.prompt(), c.resolution(), false, sampleLatents));
    }
}
