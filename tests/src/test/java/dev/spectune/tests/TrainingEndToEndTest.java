/*
 * TrainingEndToEndTest: on the tiny golden pipeline with the real DreamBooth dog photos, every
 * adapter method lowers the training loss (averaged over fixed timesteps and noise) in 30 steps,
 * and the adapter folder it writes loads back into sampling — giving the same pixels as the
 * trainer's own validation sample.
 */
package dev.spectune.tests;

import java.util.List;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import dev.spectune.testing.TestFixtures;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import dev.spectune.adapters.io.AdapterDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainingEndToEndTest {

    @TempDir
    Path dir;

    static List<String> methods() {
        return AdapterSpec.METHODS;                                                       // every registered method
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("methods")
    void thirtyStepsLowerTheLossAndTheAdapterLoadsBack(String method) throws IOException {
        Path model = TestFixtures.path("golden/pipeline_tiny");
        Path images = TestFixtures.path("artifacts/dreambooth/dataset/dog");
        AdapterSpec spec = AdapterSpec.defaults(method);
        TrainingConfig c = TrainingConfig.of(model, images, "a photo of sks dog", spec, dir.resolve(method)).withResolution(32).withSteps(30, 1e-2, 2e-2, 3);
        TrainingRun.Result r = TrainingRun.run(c, new PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.printf("%-11s %,7d parameters: evaluation loss %.5f -> %.5f%n", method, r.trainableParameters(), r.evalLossBefore(), r.evalLossAfter());
        assertThat(r.evalLossAfter()).as(method + " loss decreases").isLessThan(r.evalLossBefore());

        AdapterDirectory.Saved saved = AdapterDirectory.read(r.adapter());
        assertThat(saved.spec().method()).isEqualTo(method);
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
            pipe.setUNetHook(g -> AdapterDirectory.apply(g.sd(), saved));
            INDArray images2 = pipe.generate(GenerationRequest.of("a photo of sks dog").withSteps(20).withGuidance(5.0).withSeed(1).withSize(32, 32),
                    StepListener.NONE).images();
            var expected = ImageIO.read(dir.resolve(method).resolve("validation_final.png").toFile());
            var actual = dev.spectune.model.pipeline.PngWriter.toImage(images2.slice(0));
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) assertThat(actual.getRGB(x, y)).isEqualTo(expected.getRGB(x, y));
        }
    }

    @Test
    void trainingTheTextEncoderTooLowersTheLossAndBothAdaptersLoadBack() throws IOException {
        Path model = TestFixtures.path("golden/pipeline_tiny");
        Path images = TestFixtures.path("artifacts/dreambooth/dataset/dog");
        Path out = dir.resolve("text");
        TrainingConfig base = TrainingConfig.of(model, images, "a photo of sks dog", AdapterSpec.defaults("lora"), out).withSteps(30, 1e-2, 2e-2, 3)
                .withTargets(AdapterInjector.UNET_ATTENTION.pattern(), AdapterInjector.TEXT_ATTENTION.pattern());
        TrainingConfig c = base.withSubject(new TrainingConfig.Subject(model, images, "a photo of sks dog", 32, false, true));   // latents sampled from the posterior too
        TrainingRun.Result r = TrainingRun.run(c, new PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.printf("lora + text encoder %,7d parameters: evaluation loss %.5f -> %.5f%n", r.trainableParameters(), r.evalLossBefore(), r.evalLossAfter());
        assertThat(r.evalLossAfter()).isLessThan(r.evalLossBefore());
        AdapterDirectory.Saved unetAdapter = AdapterDirectory.read(r.adapter());
        AdapterDirectory.Saved textAdapter = AdapterDirectory.read(r.adapter().resolve(AdapterDirectory.TEXT_ENCODER));
        assertThat(textAdapter.tensors().keySet()).allMatch(k -> k.startsWith("text_model.encoder.layers."));
        assertThat(textAdapter.tensors()).hasSize(2 * 4 * 2);                            // 2 layers × q, k, v, out × (A, B)
        assertThat(textAdapter.tensors().values().stream().anyMatch(t -> t.amaxNumber().doubleValue() > 0 && t.shape()[1] == 4)).isTrue();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
            pipe.setUNetHook(g -> AdapterDirectory.apply(g.sd(), unetAdapter));
            pipe.setTextEncoderHook(g -> AdapterDirectory.apply(g.sd(), textAdapter));
            INDArray images2 = pipe.generate(GenerationRequest.of("a photo of sks dog").withSteps(20).withGuidance(5.0).withSeed(1).withSize(32, 32),
                    StepListener.NONE).images();
            var expected = ImageIO.read(out.resolve("validation_final.png").toFile());
            var actual = dev.spectune.model.pipeline.PngWriter.toImage(images2.slice(0));
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) assertThat(actual.getRGB(x, y)).isEqualTo(expected.getRGB(x, y));
        }
    }
}
