/*
 * EvalCommand: `spectune eval --generated DIR --reference DIR --clip DIR --dino DIR --out DIR` —
 * the DreamBooth paper's CLIP-I, CLIP-T and DINO (evaluation.DreamBoothEval) of generated images
 * against the subject's real photos, with transformers-format CLIP and DINO ViT folders. Prompts
 * come from --prompts (a JSON object: image file name → prompt) or a caption file beside each image
 * (name.txt, as training reads captions); an image without one gets no CLIP-T.
 */
package dev.spectune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.evaluation.DreamBoothEval;
import dev.spectune.model.image.ImageDecoder;
import dev.spectune.model.image.ImageProcessor;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true, subcommands = {EvalDreamBoothCommand.class, EvalAggregateCommand.class}, description = "CLIP-I, CLIP-T and DINO of generated images against reference photos (DreamBooth's metrics).")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--generated", description = "Folder of generated images (.png, .jpg).") Path generated;
    @Option(names = "--reference", description = "Folder of the subject's real photos.") Path reference;
    @Option(names = "--prompts", description = "JSON object: generated image file name → prompt (default: name.txt beside each image).") Path prompts;
    @Option(names = "--clip", description = "A transformers CLIPModel folder (e.g. openai/clip-vit-large-patch14).") Path clip;
    @Option(names = "--dino", description = "A transformers ViTModel folder (e.g. facebook/dino-vits16).") Path dino;
    @picocli.CommandLine.Mixin EvalScoring scoring;
    @Option(names = "--out", description = "Output folder: scores.json, scores.csv, scores.md.") Path out;

    @Override
    public Integer call() throws Exception {
        for (var o : new Object[][] {{"--generated", generated}, {"--reference", reference}, {"--clip", clip}, {"--dino", dino}, {"--out", out}}) {
            if (o[1] == null) throw new IllegalArgumentException("eval needs " + o[0] + " (or the dreambooth subcommand)");
        }
        scoring.check();
        if (Files.isRegularFile(out)) throw new IllegalArgumentException(out + " is a file; --out is a folder");
        List<Path> genFiles = images(generated, "--generated"), refFiles = images(reference, "--reference");
        JsonNode manifest = null;
        if (prompts != null) {
            manifest = new ObjectMapper().readTree(prompts.toFile());
            if (manifest == null || !manifest.isObject()) throw new IllegalArgumentException(prompts + ": --prompts must be a JSON object of file name → prompt");
        }
        List<java.awt.image.BufferedImage> genImages = ImageDecoder.readAll(genFiles), refImages = ImageDecoder.readAll(refFiles);   // every file checked first
        List<DreamBoothEval.Generated> gen = new ArrayList<>();
        for (int i = 0; i < genFiles.size(); i++) {
            String name = genFiles.get(i).getFileName().toString();
            String prompt = null;
            if (manifest != null) {
                if (!manifest.has(name)) throw new IllegalArgumentException(prompts + ": no prompt for " + name);
                prompt = manifest.get(name).asText();
            } else {
                Path caption = genFiles.get(i).resolveSibling(name.replaceAll("\\.[^.]+$", ".txt"));
                if (Files.isRegularFile(caption)) prompt = Files.readString(caption).strip();
            }
            gen.add(new DreamBoothEval.Generated(name, ImageProcessor.of(genImages.get(i)), prompt));
        }
        List<ImageProcessor.Rgb> ref = refImages.stream().map(ImageProcessor::of).toList();
        Nd4jRuntime.init();
        DreamBoothEval.Scores s = scoring.score(clip, dino, gen, ref);
        DreamBoothEval.write(s, out);
        System.out.printf(Locale.ROOT, "%d generated vs %d reference images: CLIP-I %.4f, CLIP-T %s, DINO %.4f; scores in %s%n", gen.size(), ref.size(), s.clipI(),
                s.clipT() == null ? "— (no prompts)" : String.format(Locale.ROOT, "%.4f", s.clipT()), s.dino(), out);
        return 0;
    }

    /** The .png/.jpg images of a folder given by {@code option}, sorted; none is an error naming the option. */
    static List<Path> images(Path folder, String option) throws java.io.IOException {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException(option + " " + folder + ": no such folder");
        try (var s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)$")).sorted().toList();
            if (files.isEmpty()) throw new IllegalArgumentException(option + " " + folder + ": no .png or .jpg images");
            return files;
        }
    }
}
