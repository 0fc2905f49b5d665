/*
 * GenerationRequest: everything that determines a text-to-image run, validated. Same request and
 * same weights give the same pixels (the initial latents come from java.util.Random with the seed,
 * independent of ND4J's generator, unless given explicitly).
 */
package dev.spectune.model.pipeline;

import org.nd4j.linalg.api.ndarray.INDArray;

public record GenerationRequest(String prompt, String negativePrompt, int steps, double guidanceScale, long seed,
                                int height, int width, String scheduler, double eta, int clipSkip, int numImages,
                                INDArray initLatents) {

    public GenerationRequest {
        if (prompt == null) throw new IllegalArgumentException("prompt is required");
        if (negativePrompt == null) negativePrompt = "";
        if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must be in [1, 1000], got " + steps);
        if (!(guidanceScale >= 0)) throw new IllegalArgumentException("guidance scale must be >= 0, got " + guidanceScale);
        if (height < 1 || width < 1) throw new IllegalArgumentException("height and width must be positive, got " + height + "x" + width);
        if (clipSkip < 1) throw new IllegalArgumentException("clip skip must be >= 1 (1 = last layer), got " + clipSkip);
        if (numImages < 1) throw new IllegalArgumentException("number of images must be >= 1, got " + numImages);
        if (eta < 0) throw new IllegalArgumentException("eta must be >= 0, got " + eta);
    }

    /** Classifier-free guidance is on when the scale exceeds 1 (diffusers' do_classifier_free_guidance). */
    public boolean guided() {
        return guidanceScale > 1.0;
    }

    /** A prompt with `spectune sample`'s defaults: no negative prompt, 25 steps, guidance 7.5, seed 0, 512×512, DDIM (η 0), the last CLIP layer, one image. */
    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, "", 25, 7.5, 0, 512, 512, "ddim", 0, 1, 1, null);
    }

    public GenerationRequest withNegativePrompt(String negative) {
        return new GenerationRequest(prompt, negative, steps, guidanceScale, seed, height, width, scheduler, eta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withSteps(int n) {
        return new GenerationRequest(prompt, negativePrompt, n, guidanceScale, seed, height, width, scheduler, eta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withGuidance(double scale) {
        return new GenerationRequest(prompt, negativePrompt, steps, scale, seed, height, width, scheduler, eta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withSeed(long s) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, s, height, width, scheduler, eta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withSize(int h, int w) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, seed, h, w, scheduler, eta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withScheduler(String name, double schedulerEta) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, seed, height, width, name, schedulerEta, clipSkip, numImages, initLatents);
    }

    public GenerationRequest withClipSkip(int layers) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, seed, height, width, scheduler, eta, layers, numImages, initLatents);
    }

    /** n images; with given initial latents [n, C, h, w] instead of seeded noise when {@code latents} is not null. */
    public GenerationRequest withImages(int n, INDArray latents) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, seed, height, width, scheduler, eta, clipSkip, n, latents);
    }
}
