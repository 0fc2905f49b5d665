/*
 * GenerationResult: the images of a run in [0, 1] ([N, 3, H, W]), the prompt embeddings used,
 * the latents after each step, the timesteps, and what was truncated from the prompts.
 */
package dev.spectune.model.pipeline;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

public record GenerationResult(INDArray images, INDArray promptEmbeds, INDArray negativeEmbeds, INDArray initLatents,
                               List<INDArray> stepLatents, double[] timesteps, int truncatedPromptTokens,
                               int truncatedNegativeTokens, double seconds) {}
