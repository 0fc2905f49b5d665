/*
 * MergedAdapters: one or more adapters merged into an open pipeline's weights, W0 + Σ λi·ΔWi, for
 * every graph it builds from then on (no inference overhead) — what `sample --adapter`, `eval
 * dreambooth --adapter`, `demo` and `compare` sample with (diffusers' fuse_lora).
 */
package dev.spectune.cli;

import dev.spectune.adapters.io.AdapterMerge;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

public final class MergedAdapters {
    private MergedAdapters() {}

    /** Merges {@code adapters} with strengths {@code lambdas} into {@code pipe}'s UNet and text encoder; returns the fused updates. */
    public static AdapterMerge.Fused into(StableDiffusionPipeline pipe, List<Path> adapters, List<Double> lambdas) throws IOException {
        AdapterMerge.Fused fused = AdapterMerge.fuse(adapters, lambdas, pipe.component("unet"), pipe.component("vae"), pipe.component("text_encoder"));
        pipe.setUNetHook(g -> AdapterMerge.addInto(g.sd(), fused.unet(), 1.0));
        pipe.setTextEncoderHook(g -> {                                     // a fresh text encoder: what an earlier merge added is gone
            if (!fused.textEncoder().isEmpty()) AdapterMerge.addInto(g.sd(), fused.textEncoder(), 1.0);
        });
        return fused;
    }
}
