/*
 * ClassImages: the class images of DreamBooth's prior preservation (Ruiz et al. 2023, §3.3;
 * diffusers train_dreambooth.py --with_prior_preservation): when the folder holds fewer images
 * than asked, the missing ones are sampled from the base model with the class prompt (fixed seeds,
 * DDIM 20 steps, guidance 5) and saved there as class_NNNN.png, so later runs reuse them.
 */
package dev.spectune.training.data;

import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.ModelHash;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

public final class ClassImages {
    private ClassImages() {}

    /** Generates images until {@code folder} holds {@code wanted} of them; returns how many were generated. */
    public static int ensure(StableDiffusionPipeline pipe, Path model, Path folder, String classPrompt, int wanted, int resolution, long seed,
                             PrintStream log) throws IOException {
        Files.createDirectories(folder);
        int have = count(folder);
        int generated = 0;
        String modelHash = have < wanted ? ModelHash.of(model) : "";
        for (int i = have; i < wanted; i++) {
            Path png = folder.resolve(String.format("class_%04d.png", i));
            GenerationRequest r = GenerationRequest.of(classPrompt).withSteps(20).withGuidance(5.0).withSeed(seed + i).withSize(resolution, resolution);
            PngWriter.write(PngWriter.toImage(pipe.generate(r, StepListener.NONE).images().slice(0)),
                    PngWriter.a1111Parameters(r, "DDIM", modelHash, model.getFileName().toString(), ""), png);
            generated++;
        }
        if (generated > 0) log.printf("generated %d class images for \"%s\" in %s%n", generated, classPrompt, folder);
        return generated;
    }

    static int count(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("(?i).*\\.(png|jpe?g)$")).count();
        }
    }
}
