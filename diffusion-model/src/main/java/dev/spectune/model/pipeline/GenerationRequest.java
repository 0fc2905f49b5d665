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
}
