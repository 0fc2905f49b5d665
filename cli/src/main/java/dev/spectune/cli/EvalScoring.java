/*
 * EvalScoring: the scoring settings `eval` and `eval dreambooth` share (a picocli mixin) — which
 * DINO transform, which subject identifier, whether CLIP-T drops it — their checks, and the
 * scoring itself with the CLIP and DINO models opened for it (DreamBoothEval.score).
 */
package dev.spectune.cli;

import dev.spectune.evaluation.ClipModel;
import dev.spectune.evaluation.DinoModel;
import dev.spectune.evaluation.DreamBoothEval;
import dev.spectune.model.image.ImageProcessor;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

final class EvalScoring {

    @Option(names = "--dino-transform", defaultValue = "hf", description = "hf (the model folder's ViTImageProcessor) or original (the DINO repository's Resize 256 bicubic + CenterCrop 224).") String dinoTransform;
    @Option(names = "--identifier", defaultValue = "sks", description = "The subject identifier removed from prompts for CLIP-T (default ${DEFAULT-VALUE}).") String identifier;
    @Option(names = "--clip-t-prompt", defaultValue = "without-identifier", description = "without-identifier (\"a sks dog\" → \"a dog\") or as-given.") String clipTPrompt;

    /** Refuses values the options do not take, naming the option. */
    void check() {
        if (!dinoTransform.equals("hf") && !dinoTransform.equals("original")) throw new IllegalArgumentException("--dino-transform must be hf or original, got '" + dinoTransform + "'");
        if (!clipTPrompt.equals("without-identifier") && !clipTPrompt.equals("as-given")) {
            throw new IllegalArgumentException("--clip-t-prompt must be without-identifier or as-given, got '" + clipTPrompt + "'");
        }
    }

    String identifier() {
        return identifier;
    }

    /** CLIP-I, CLIP-T and DINO of {@code generated} against {@code reference}, with the models in {@code clip} and {@code dino}. */
    DreamBoothEval.Scores score(Path clip, Path dino, List<DreamBoothEval.Generated> generated, List<ImageProcessor.Rgb> reference) {
        try (ClipModel c = ClipModel.open(clip); DinoModel d = DinoModel.open(dino, dinoTransform.equals("original"))) {
            return DreamBoothEval.score(c, d, generated, reference, clipTPrompt.equals("as-given") ? null : identifier);
        }
    }
}
