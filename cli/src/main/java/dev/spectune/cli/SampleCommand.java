/*
 * SampleCommand: `spectune sample --model DIR --prompt "…" --steps N --guidance G --seed S
 * --height H --width W --out out.png` — text-to-image with a diffusers pipeline folder (or a
 * single file with --config), writing PNGs that carry the generation settings. Same seed, same
 * bytes. A prompt longer than 77 tokens is truncated with a warning, as diffusers does.
 */
package dev.spectune.cli;

import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.SafetensorsWeights;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.TinyAutoencoder;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.GenerationResult;
import dev.spectune.model.pipeline.ModelHash;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.scheduler.Schedulers;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.ProcessMemory;
import dev.spectune.adapters.io.AdapterDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true, description = "Generate images from a prompt (text-to-image).")
public final class SampleCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline folder, or a single-file checkpoint (with --config).")
    Path model;
    @Option(names = "--config", description = "Configs for a single-file checkpoint (tokenizer/, scheduler/, text_encoder/…).")
    Path config;
    @Option(names = "--prompt", required = true) String prompt;
    @Option(names = "--negative-prompt", defaultValue = "") String negativePrompt;
    @Option(names = "--steps", defaultValue = "25") int steps;
    @Option(names = "--guidance", defaultValue = "7.5") double guidance;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--height", description = "Image height (default: the UNet's sample size × the VAE's factor).") Integer height;
    @Option(names = "--width") Integer width;
    @Option(names = "--scheduler", description = "One of ${COMPLETION-CANDIDATES} (default: the model's own).",
            completionCandidates = SchedulerNames.class) String scheduler;
    @Option(names = "--eta", defaultValue = "0") double eta;
    @Option(names = "--clip-skip", defaultValue = "1", description = "1 = last text-encoder layer; 2 = penultimate (A1111's clip skip).") int clipSkip;
    @Option(names = {"-n", "--num-images"}, defaultValue = "1") int numImages;
    @Option(names = "--taesd", description = "Decode with a TAESD-family tiny autoencoder (weights file) instead of the VAE.") Path taesd;
    @Option(names = "--adapter", description = "An adapter folder (spectune's or peft's), a kohya/A1111 LoRA file or diffusers'"
            + " pytorch_lora_weights.safetensors; repeat to use several at once.")
    List<Path> adapters;
    @Option(names = "--strength", description = "Strength λ per adapter, in --adapter order (default 1 each): W = W0 + Σ λi·ΔWi.") List<Double> strengths;
    @Option(names = "--fusion", defaultValue = "sum", description = "sum, or mean (every λ divided by the number of adapters).") String fusion;
    @Option(names = "--out", required = true, description = "Output PNG (with several images: a grid, plus out-1.png …).") Path out;

    static final class SchedulerNames implements Iterable<String> {
        public java.util.Iterator<String> iterator() {
            return Schedulers.NAMES.iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (scheduler != null && !Schedulers.NAMES.contains(scheduler)) {
            throw new IllegalArgumentException("unknown scheduler '" + scheduler + "' (choose one of " + Schedulers.NAMES + ")");
        }
        if (out.getParent() != null && Files.exists(out.getParent()) && !Files.isDirectory(out.getParent())) {
            throw new IllegalArgumentException(out + ": parent is not a folder");
        }
        Nd4jRuntime.init();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, config)) {
            int h = height != null ? height : pipe.defaultImageSide(512);
            int w = width != null ? width : h;
            GenerationRequest request = GenerationRequest.of(prompt).withNegativePrompt(negativePrompt).withSteps(steps).withGuidance(guidance).withSeed(seed)
                    .withSize(h, w).withScheduler(scheduler, eta).withClipSkip(clipSkip).withImages(numImages, null);
            var estimates = pipe.memoryEstimates(h, w, numImages, request.guided());       // refused here, before any weight is read, if it cannot fit
            var estimate = estimates.apply(Math.max(h, w));
            estimate.check(ProcessMemory.limit(), estimates, Math.max(h, w), 64, "--height/--width", "");
            System.err.println("memory: " + estimate.what() + " needs " + estimate.describe());
            String sampler = PngWriter.a1111Sampler(pipe.scheduler(request).name());
            String modelHash = ModelHash.of(model);                                    // SHA-256 of the UNet file: once
            String adapterNote = "";
            if (adapters != null && !adapters.isEmpty()) {
                List<Double> lambdas = ExportCommand.fusionStrengths(adapters.size(), strengths, fusion);
                for (Path a : adapters) warnIfTrainedOnAnotherModel(a, modelHash);
                MergedAdapters.into(pipe, adapters, lambdas);                                 // merged into W0: no inference overhead
                StringBuilder note = new StringBuilder();
                for (int i = 0; i < adapters.size(); i++) note.append(i == 0 ? "" : " + ").append(String.format("%.2f×%s", lambdas.get(i), adapters.get(i).getFileName()));
                adapterNote = note.toString();
            }
            int promptTokens = pipe.tokenizer().encode(prompt).length, negativeTokens = pipe.tokenizer().encode(negativePrompt).length;
            warnTruncation("prompt", promptTokens);
            warnTruncation("negative prompt", negativeTokens);

            GenerationResult result;
            if (System.console() != null) {
                try (ProgressBar bar = new ProgressBar("sampling", steps)) {
                    result = pipe.generate(request, (step, total, t) -> bar.stepTo(step));
                }
            } else {
                int every = Math.max(1, steps / 10);
                result = pipe.generate(request, (step, total, t) -> {
                    if (step % every == 0 || step == total) System.err.printf("step %d/%d (t=%.0f)%n", step, total, t);
                });
            }
            INDArray images = taesd != null ? decodeWithTaesd(result.stepLatents().get(result.stepLatents().size() - 1)) : result.images();
            String parameters = PngWriter.a1111Parameters(request, sampler, modelHash, model.getFileName().toString(), adapterNote);
            if (numImages == 1) {
                PngWriter.write(PngWriter.toImage(images.slice(0)), parameters, out);
            } else {
                for (int i = 0; i < numImages; i++) PngWriter.write(PngWriter.toImage(images.slice(i)), parameters, numbered(out, i + 1));
                PngWriter.write(PngWriter.grid(images), parameters, out);
            }
            System.out.printf("wrote %s (%d image%s, %dx%d, %s, %d steps, seed %d) in %.1f s%n", out, numImages, numImages == 1 ? "" : "s",
                    w, h, sampler, steps, seed, result.seconds());
        }
        return 0;
    }

    /** Warns (stderr) when an adapter folder records another base model than {@code modelHash}; sample and export both check. */
    static void warnIfTrainedOnAnotherModel(Path adapter, String modelHash) throws java.io.IOException {
        String hash = Files.isDirectory(adapter) ? AdapterDirectory.baseModelHash(adapter) : "";
        if (!hash.isEmpty() && !hash.equals(modelHash)) {
            System.err.println("warning: " + adapter + " was trained on a model with hash " + hash + ", this one is " + modelHash);
        }
    }

    private static void warnTruncation(String what, int tokens) {
        int max = 77 - 2;
        if (tokens > max) {
            System.err.printf("warning: the %s has %d tokens; CLIP reads %d, the last %d are truncated%n", what, tokens, max, tokens - max);
        }
    }

    private INDArray decodeWithTaesd(INDArray latents) {
        try (WeightSource w = SafetensorsWeights.open(taesd.toString(), List.of(taesd), false)) {
            ModelGraph dec = TinyAutoencoder.decoder(w, DataType.FLOAT, (int) latents.size(0), (int) latents.size(2), (int) latents.size(3));
            return dec.run(Map.of("latents", latents), "decoded_clamped").get("decoded_clamped");
        }
    }

    static Path numbered(Path out, int i) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot < 0 ? name + "-" + i : name.substring(0, dot) + "-" + i + name.substring(dot);
        return out.resolveSibling(numbered);
    }
}
