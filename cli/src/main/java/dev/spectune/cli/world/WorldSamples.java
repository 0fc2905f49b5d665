/*
 * WorldSamples: a model's images of world prompts and their scores from pixels — what `world
 * score`, the quality gate, `demo` and `compare` all sample and score the same way: each prompt's
 * n images in one batch from seed 0 (the model's scheduler unless one is named, classifier-free guidance), the prompt parsed by the world's grammar,
 * prompt fidelity per image (PromptFidelity on WorldAnalysis), subject fidelity against reference
 * views (SubjectFidelity), diversity over all images.
 */
package dev.spectune.cli.world;

import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.scheduler.Schedulers;
import dev.spectune.world.Caption;
import dev.spectune.world.PromptFidelity;
import dev.spectune.world.Scene;
import dev.spectune.world.SubjectFidelity;
import dev.spectune.world.WorldAnalysis;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class WorldSamples {
    private WorldSamples() {}

    /**
     * How images are sampled: sampler steps, guidance scale, image side, and the scheduler's short
     * name (Schedulers.NAMES; null: the model's own scheduler config, as diffusers' pipeline does).
     */
    public record Sampling(int steps, double guidance, int side, String scheduler) {
        public static final int DEFAULT_STEPS = 25;
        public static final double DEFAULT_GUIDANCE = 5.0;

        public Sampling {
            if (scheduler != null && !Schedulers.NAMES.contains(scheduler)) {
                throw new IllegalArgumentException("--scheduler: expected one of " + Schedulers.NAMES + " (or none: the model's own), got '" + scheduler + "'");
            }
        }
    }

    /** One image: its prompt (parsed), its index in the prompt's batch and pixels (0xRRGGBB, row-major). */
    public record Sample(String prompt, Scene scene, long index, int[] rgb, BufferedImage image) {
        public PromptFidelity.Score promptScore() {
            return PromptFidelity.score(scene, WorldAnalysis.of(rgb, image.getWidth()));
        }
    }

    /** Parses a prompt with the world's grammar (subject tokens: "sks" and the second subject's "ohwx"); a word outside it fails naming the word. */
    public static Scene parse(String prompt) {
        return Caption.parse(prompt, java.util.Set.of(Caption.IDENTIFIER, SubjectViews.SECOND_IDENTIFIER.split(" ")[0]));
    }

    /**
     * Samples every prompt {@code images} times — one batch from seed 0, with guidance, so a
     * prompt's images are one call and the same on every rerun; writes each as
     * {@code dir/<prefix>p<i>_s<k>.png} when {@code dir} is not null.
     */
    public static List<Sample> sample(StableDiffusionPipeline pipe, List<String> prompts, int images, Sampling sampling, Path dir, String prefix)
            throws IOException {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            Scene scene = parse(prompts.get(i));
            GenerationRequest request = GenerationRequest.of(prompts.get(i)).withSteps(sampling.steps()).withGuidance(sampling.guidance()).withSeed(0)
                    .withScheduler(sampling.scheduler(), 0)
                    .withSize(sampling.side(), sampling.side()).withImages(images, null);
            var batch = pipe.generate(request, (step, total, t) -> { }).images();                      // [n, 3, side, side]
            for (int k = 0; k < images; k++) {
                BufferedImage img = PngWriter.toImage(batch.slice(k));
                if (dir != null) PngWriter.write(img, prompts.get(i), dir.resolve(String.format("%sp%03d_s%d.png", prefix, i, k)));
                out.add(new Sample(prompts.get(i), scene, k, WorldCommand.pixels(img), img));
            }
        }
        return out;
    }

    /** Agreeing and counted checks per attribute, summed over samples. */
    public static Map<String, int[]> checks(List<Sample> samples) {
        Map<String, int[]> sum = new LinkedHashMap<>();
        for (String a : PromptFidelity.ATTRIBUTES) sum.put(a, new int[2]);
        for (Sample s : samples) {
            for (var e : s.promptScore().checks().entrySet()) {
                sum.get(e.getKey())[0] += e.getValue()[0];
                sum.get(e.getKey())[1] += e.getValue()[1];
            }
        }
        return sum;
    }

    /** The share of one attribute's checks that agree (NaN when none was counted). */
    public static double share(Map<String, int[]> checks, String attribute) {
        int[] c = checks.get(attribute);
        return c[1] == 0 ? Double.NaN : c[0] / (double) c[1];
    }

    /** The share of all checks that agree (1 when there is none). */
    public static double promptFidelity(Map<String, int[]> checks) {
        int agree = 0, counted = 0;
        for (int[] c : checks.values()) {
            agree += c[0];
            counted += c[1];
        }
        return counted == 0 ? 1.0 : agree / (double) counted;
    }

    /** Mean subject fidelity of the samples against the subject's reference views. */
    public static double subjectFidelity(List<Sample> samples, List<int[]> references) {
        return samples.stream().mapToDouble(s -> SubjectFidelity.of(references, s.rgb(), s.image().getWidth())).average().orElse(Double.NaN);
    }

    public static double diversity(List<Sample> samples) {
        return SubjectFidelity.diversity(samples.stream().map(Sample::rgb).toList());
    }

    /** The images in a grid of {@code columns} columns (rows filled left to right). */
    public static BufferedImage grid(List<BufferedImage> images, int columns) {
        int side = images.getFirst().getWidth(), rows = (images.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(columns * side, rows * side, BufferedImage.TYPE_INT_RGB);
        var g = grid.getGraphics();
        for (int i = 0; i < images.size(); i++) g.drawImage(images.get(i), (i % columns) * side, (i / columns) * side, null);
        g.dispose();
        return grid;
    }
}
