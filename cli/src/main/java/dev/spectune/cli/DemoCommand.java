/*
 * DemoCommand: `spectune demo` — the README's main job, offline: personalization on the embedded
 * world model (a text-to-image model spectune pretrained on its procedural world, models/world).
 * The subject is one the world's grammar cannot express — a striped ring with a notch
 * (StripedToy), the "sks toy" — in 4 rendered views with captions of their context. The demo
 * samples 4 new contexts before training (the model draws something else for "sks toy"), trains
 * SODA (SVD spectrum + Kronecker rotations of every UNet attention projection, Stiefel Adam) on
 * the views, and samples the same contexts after; the images are scored from their pixels
 * (subject fidelity against the views, prompt fidelity of background, position and count) into
 * metrics.json. DreamBooth's protocol in miniature (Ruiz et al. 2023, §4.1).
 */
package dev.spectune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.cli.world.SamplingOptions;
import dev.spectune.cli.world.SubjectViews;
import dev.spectune.cli.world.WorldSamples;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Teach the embedded world model a subject it cannot draw (a striped ring, \"sks toy\") with SODA; sample and score 4 contexts before and after.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Base model (default: the embedded world model, " + EmbeddedModel.WORLD + ").") Path model;
    @Option(names = "--out", defaultValue = "spectune-demo", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
    @Option(names = "--steps", defaultValue = "" + DEFAULT_STEPS, description = "Training steps (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--seeds", defaultValue = "2", description = "Images per context, before and after (default ${DEFAULT-VALUE}).") int seeds;
    @Option(names = "--lr", defaultValue = "" + DEFAULT_LR, description = "SODA's learning rate of the spectrum shift δ (AdamW; default ${DEFAULT-VALUE}).") double lr;
    @Option(names = "--stiefel-lr", defaultValue = "" + DEFAULT_STIEFEL_LR, description = "SODA's learning rate of the rotations' Stiefel factors (default ${DEFAULT-VALUE}).") double stiefelLr;
    @picocli.CommandLine.Mixin SamplingOptions samplingOptions;
    @Option(names = "--seed", defaultValue = "0") long seed;

    static final int DEFAULT_STEPS = 200;
    static final double DEFAULT_LR = 3e-3, DEFAULT_STIEFEL_LR = 5e-3;          // on models/world at step 9440: 1e-2 / 2e-2 gave subject fidelity 0.431 and lost prompt fidelity (0.625 -> 0.583); these 0.545 and 0.625

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (seeds < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
        if (!(lr > 0) || !(stiefelLr > 0)) throw new IllegalArgumentException("--lr and --stiefel-lr must be > 0, got " + lr + " and " + stiefelLr);
        Path base = model != null ? model : EmbeddedModel.world();
        Nd4jRuntime.init();
        System.out.println("spectune demo: the world model " + base + " learns a subject it cannot draw (\"" + SubjectViews.IDENTIFIER + "\": a " + SubjectViews.SUBJECTS.getFirst().describe() + ")");

        int side;
        List<WorldSamples.Sample> before;
        WorldSamples.Sampling sampling;
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(base, null)) {
            side = pipe.defaultImageSide(64);
            sampling = samplingOptions.at(side);
            before = WorldSamples.sample(pipe, SubjectViews.CONTEXTS, seeds, sampling, null, "");
        }
        List<int[]> references = SubjectViews.write(SubjectViews.SUBJECTS.getFirst(), out.resolve("images"), side);
        System.out.println("subject: " + SubjectViews.VIEWS.size() + " rendered views with captions in " + out.resolve("images"));
        writeGrid(before, out.resolve("before.png"));
        System.out.println("sampled " + SubjectViews.CONTEXTS.size() + " contexts × " + seeds + " seeds before training: " + out.resolve("before.png"));

        TrainingConfig c = TrainingConfig.of(base, out.resolve("images"), SubjectViews.INSTANCE_PROMPT, AdapterSpec.defaults("soda-svd"), out.resolve("run"))
                .withResolution(side).withSteps(steps, lr, stiefelLr, seed)
                .withOverwrite(true);                                                                // the demo's folder is the demo's: a rerun replaces its run
        TrainingRun.Result r = TrainingRun.run(c, System.out);
        System.out.printf("SODA: %d trainable parameters; fixed-noise evaluation loss %.5f -> %.5f%n", r.trainableParameters(), r.evalLossBefore(), r.evalLossAfter());

        List<WorldSamples.Sample> after;
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(base, null)) {
            MergedAdapters.into(pipe, List.of(r.adapter()), List.of(1.0));
            after = WorldSamples.sample(pipe, SubjectViews.CONTEXTS, seeds, sampling, null, "");
        }
        writeGrid(after, out.resolve("after.png"));
        System.out.println("sampled the same contexts after training: " + out.resolve("after.png"));

        ObjectMapper json = new ObjectMapper();
        ObjectNode metrics = json.createObjectNode();
        metrics.set("before", scores(json, before, references));
        metrics.set("after", scores(json, after, references));
        metrics.put("steps", steps).put("lr", lr).put("stiefel_lr", stiefelLr).put("seeds", seeds).put("model", base.toString()).putPOJO("contexts", SubjectViews.CONTEXTS);
        metrics.put("seconds", (System.nanoTime() - start) / 1e9);
        SafetensorsWriter.writeText(out.resolve("metrics.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(metrics));
        for (String phase : List.of("before", "after")) {
            System.out.printf("%-6s subject fidelity %.3f  prompt fidelity %.3f%n", phase, metrics.get(phase).get("subject_fidelity").asDouble(),
                    metrics.get(phase).get("prompt_fidelity").asDouble());
        }
        System.out.printf("done in %.0f s: %s%n", (System.nanoTime() - start) / 1e9, out.resolve("metrics.json"));
        return 0;
    }

    private static ObjectNode scores(ObjectMapper json, List<WorldSamples.Sample> samples, List<int[]> references) {
        var checks = WorldSamples.checks(samples);
        return json.createObjectNode().put("subject_fidelity", WorldSamples.subjectFidelity(samples, references))
                .put("prompt_fidelity", WorldSamples.promptFidelity(checks)).put("diversity", WorldSamples.diversity(samples));
    }

    /** Contexts as columns, seeds as rows. */
    private void writeGrid(List<WorldSamples.Sample> samples, Path file) throws java.io.IOException {
        List<BufferedImage> ordered = new ArrayList<>();
        for (int s = 0; s < seeds; s++) for (int c = 0; c < SubjectViews.CONTEXTS.size(); c++) ordered.add(samples.get(c * seeds + s).image());
        PngWriter.write(WorldSamples.grid(ordered, SubjectViews.CONTEXTS.size()), String.join(" | ", SubjectViews.CONTEXTS), file);
    }
}
