/*
 * DemoCommand: `spectune demo` — the README's main job, with nothing downloaded: it writes a
 * miniature Stable Diffusion with seeded random weights (an embedded default), draws a subject
 * procedurally (a red disc with a yellow star, in a few views), samples "a photo of sks toy"
 * before training, teaches the subject with SODA (SVD spectrum + Kronecker rotations on every UNet
 * attention projection), prints the loss at the start and the end, and samples again.
 *
 * The base model is random, so the samples show the mechanics (the adapter changes what the model
 * draws for the prompt) rather than a photo; give `spectune train` a real model for real results.
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.ModelHash;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.model.TinyModel;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import dev.spectune.training.data.ProceduralSubject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Teach a small embedded model a procedurally drawn subject with SODA, sampling before and after.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "spectune-demo", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
    @Option(names = "--steps", defaultValue = "150", description = "Training steps (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--seed", defaultValue = "0") long seed;

    static final String PROMPT = "a photo of sks toy";

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Nd4jRuntime.init();
        Path model = TinyModel.write(out.resolve("model"), seed);
        Path images = out.resolve("images");
        ProceduralSubject.writeViews(images, 4, 32);
        System.out.println("spectune demo: a miniature Stable Diffusion (seeded random weights) in " + model);
        System.out.println("subject: 4 procedurally drawn views in " + images);

        GenerationRequest request = GenerationRequest.of(PROMPT).withSteps(20).withGuidance(5.0).withSeed(1).withSize(32, 32);
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
            PngWriter.write(PngWriter.toImage(pipe.generate(request, StepListener.NONE).images().slice(0)),
                    PngWriter.a1111Parameters(request, "DDIM", ModelHash.of(model), "spectune-demo-tiny", ""), out.resolve("before.png"));
        }
        System.out.println("sampled \"" + PROMPT + "\" before training: " + out.resolve("before.png"));

        AdapterSpec spec = AdapterSpec.defaults("soda-svd");
        TrainingConfig c = TrainingConfig.of(model, images, PROMPT, spec, out.resolve("run")).withResolution(32).withSteps(steps, 1e-2, 2e-2, seed)
                .withOverwrite(true);                                                               // the demo's folder is the demo's: a rerun with other --steps replaces it
        TrainingRun.Result r = TrainingRun.run(c, System.out);
        List<dev.spectune.training.DreamBoothTrainer.StepLog> log = r.log();
        int window = Math.max(1, log.size() / 10);
        System.out.printf("loss curve: first %d steps mean %.5f, last %d steps mean %.5f; fixed-noise evaluation loss %.5f -> %.5f%n",
                window, mean(log.subList(0, window)), window, mean(log.subList(log.size() - window, log.size())), r.evalLossBefore(), r.evalLossAfter());
        java.nio.file.Files.copy(out.resolve("run/validation_final.png"), out.resolve("after.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("sampled \"" + PROMPT + "\" after training: " + out.resolve("after.png"));
        System.out.println("adapter: " + r.adapter() + "  loss curve: " + out.resolve("run/loss_curve.png"));
        System.out.printf("done in %.0f s (the base model is random: the images show the mechanics, not a photo)%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static double mean(List<dev.spectune.training.DreamBoothTrainer.StepLog> l) {
        return l.stream().mapToDouble(dev.spectune.training.DreamBoothTrainer.StepLog::loss).average().orElse(Double.NaN);
    }
}
