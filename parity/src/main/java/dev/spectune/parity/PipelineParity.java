/*
 * PipelineParity: the whole text-to-image pipeline against a golden pipeline folder (a diffusers
 * StableDiffusionPipeline folder plus io.safetensors whose metadata holds the run's settings):
 * prompt and negative embeddings, the timesteps, the latents after every step, the final latents
 * and the image. Multi-step results within 1e-3 relative (Tolerances.GRADIENT_AND_PIPELINE_REL).
 */
package dev.spectune.parity;

import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.GenerationResult;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class PipelineParity {
    private PipelineParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("pipeline");
        try (GoldenFile golden = r.openIo(folder); StableDiffusionPipeline pipe = StableDiffusionPipeline.open(folder, null)) {
            String scheduler = golden.metadata("scheduler");
            double eta = scheduler != null && scheduler.contains("eta=") ? Double.parseDouble(scheduler.substring(scheduler.indexOf("eta=") + 4).trim()) : 0.0;
            INDArray init = golden.get("init_latents", DataType.FLOAT);
            GenerationRequest request = GenerationRequest.of(golden.requireMetadata("prompt")).withNegativePrompt(golden.metadata("negative_prompt"))
                    .withSteps(Integer.parseInt(golden.requireMetadata("steps"))).withGuidance(Double.parseDouble(golden.requireMetadata("guidance_scale")))
                    .withSize(Integer.parseInt(golden.requireMetadata("height")), Integer.parseInt(golden.requireMetadata("width")))
                    .withScheduler(null, eta).withImages((int) init.size(0), init);
            GenerationResult result = pipe.generate(request, StepListener.NONE);
            r.compare("prompt_embeds", result.promptEmbeds(), golden.get("prompt_embeds", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            r.compare("negative_prompt_embeds", result.negativeEmbeds(), golden.get("negative_prompt_embeds", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
            INDArray timesteps = golden.get("timesteps", DataType.DOUBLE);
            r.compare("timesteps", Nd4j.createFromArray(result.timesteps()), timesteps, 0);
            for (int i = 0; i < result.stepLatents().size(); i++) {
                String name = "step" + i + ".t" + (long) timesteps.getDouble(i) + ".latents";
                if (golden.has(name)) r.compare(name, result.stepLatents().get(i), golden.get(name, DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL);
            }
            r.compare("final_latents", result.stepLatents().get(result.stepLatents().size() - 1), golden.get("final_latents", DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL);
            r.compare("image_pt_0_1", result.images(), golden.get("image_pt_0_1", DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL);
        }
        return r;
    }
}
