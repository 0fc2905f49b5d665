/*
 * EvalDreamBoothCommand: `spectune eval dreambooth` — one row of the DreamBooth table: the
 * subject's 25 evaluation prompts (prompts_and_classes.txt: live prompts for dogs and cats, object
 * prompts otherwise), --images-per-prompt seeded images each from the model with the adapter merged
 * (as `sample` merges it), then CLIP-I, CLIP-T and DINO against the subject's photos
 * (evaluation.DreamBoothEval). Images go to OUT/images with OUT/prompts.json; scores to OUT/scores.*.
 * The full protocol at SD-1.5 size is GPU work; --prompts, --images-per-prompt, --steps and
 * --resolution make a reduced run on a CPU.
 */
package dev.spectune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.evaluation.DreamBoothEval;
import dev.spectune.evaluation.DreamBoothPrompts;
import dev.spectune.model.image.ImageDecoder;
import dev.spectune.model.image.ImageProcessor;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.GenerationResult;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.ProcessMemory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dreambooth", mixinStandardHelpOptions = true, description = "Generate the subject's DreamBooth prompts with an adapter, then score them (one table row).")
public final class EvalDreamBoothCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline folder.") Path model;
    @Option(names = "--adapter", description = "The adapter to evaluate (spectune, peft, kohya or diffusers LoRA); none: the base model.") Path adapter;
    @Option(names = "--subject", required = true, description = "Subject name as in prompts_and_classes.txt (e.g. dog).") String subject;
    @Option(names = "--class", description = "Class noun (default: the subject's class in the prompts file).") String classNoun;
    @Option(names = "--prompts-file", description = "prompts_and_classes.txt (default: the one beside the --reference folder).") Path promptsFile;
    @Option(names = "--reference", required = true, description = "The subject's real photos.") Path reference;
    @Option(names = "--clip", required = true) Path clip;
    @Option(names = "--dino", required = true) Path dino;
    @picocli.CommandLine.Mixin EvalScoring scoring;
    @Option(names = "--prompts", description = "Use the first N of the 25 prompts (default all).") Integer promptCount;
    @Option(names = "--images-per-prompt", defaultValue = "4") int imagesPerPrompt;
    @Option(names = "--steps", defaultValue = "25") int steps;
    @Option(names = "--guidance", defaultValue = "7.5") double guidance;
    @Option(names = "--resolution", description = "Image size (default: the UNet's sample size × the VAE's factor).") Integer resolution;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--out", required = true) Path out;

    @Override
    public Integer call() throws Exception {
        scoring.check();
        if (imagesPerPrompt < 1) throw new IllegalArgumentException("--images-per-prompt must be >= 1, got " + imagesPerPrompt);
        if (Files.isRegularFile(out)) throw new IllegalArgumentException(out + " is a file; --out is a folder");
        Path file = promptsFile != null ? promptsFile : reference.toAbsolutePath().getParent().resolve("prompts_and_classes.txt");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no prompts file; give --prompts-file (the DreamBooth dataset's prompts_and_classes.txt)");
        DreamBoothPrompts table = DreamBoothPrompts.read(file);
        String noun = classNoun != null ? classNoun : table.classOf(subject);
        List<String> prompts = table.prompts(noun, scoring.identifier());
        if (promptCount != null) {
            if (promptCount < 1 || promptCount > prompts.size()) throw new IllegalArgumentException("--prompts must be 1.." + prompts.size() + ", got " + promptCount);
            prompts = prompts.subList(0, promptCount);
        }
        List<ImageProcessor.Rgb> ref = ImageDecoder.readAll(EvalCommand.images(reference, "--reference")).stream().map(ImageProcessor::of).toList();

        Nd4jRuntime.init();
        Path images = Files.createDirectories(out.resolve("images"));
        List<DreamBoothEval.Generated> generated = new ArrayList<>();
        Map<String, String> manifest = new LinkedHashMap<>();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
            int size = resolution != null ? resolution : pipe.defaultImageSide(512);
            var estimates = pipe.memoryEstimates(size, size, imagesPerPrompt, guidance > 1);
            estimates.apply(size).check(ProcessMemory.limit(), estimates, size, 64, "--resolution", "lower --images-per-prompt");
            if (adapter != null) {
                MergedAdapters.into(pipe, List.of(adapter), List.of(1.0));
            }
            for (int p = 0; p < prompts.size(); p++) {
                GenerationRequest request = GenerationRequest.of(prompts.get(p)).withSteps(steps).withGuidance(guidance).withSeed(seed + p)
                        .withSize(size, size).withImages(imagesPerPrompt, null);
                GenerationResult result = pipe.generate(request, (step, total, t) -> { });
                for (int i = 0; i < imagesPerPrompt; i++) {
                    BufferedImage img = PngWriter.toImage(result.images().slice(i));
                    String name = String.format(Locale.ROOT, "%02d-%d.png", p, i);
                    PngWriter.write(img, "", images.resolve(name));
                    manifest.put(name, prompts.get(p));
                    generated.add(new DreamBoothEval.Generated(name, ImageProcessor.of(img), prompts.get(p)));
                }
                System.err.printf("prompt %d/%d: %s%n", p + 1, prompts.size(), prompts.get(p));
            }
        }
        SafetensorsWriter.writeText(out.resolve("prompts.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(manifest) + "\n");
        DreamBoothEval.Scores s = scoring.score(clip, dino, generated, ref);
        DreamBoothEval.write(s, out);
        System.out.printf(Locale.ROOT, "%s (%s): %d prompts × %d images vs %d photos: CLIP-I %.4f, CLIP-T %.4f, DINO %.4f; %s%n", subject, noun, prompts.size(),
                imagesPerPrompt, ref.size(), s.clipI(), s.clipT(), s.dino(), out);
        return 0;
    }
}
