/*
 * ModelHash: the short model hash A1111 shows ("Model hash", AutoV2): the first 10 hex digits of
 * the SHA-256 of the checkpoint file — for a diffusers folder, of its UNet weights file.
 */
package dev.spectune.model.pipeline;

import dev.spectune.checkpoint.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ModelHash {
    private ModelHash() {}

    public static String of(Path model) throws IOException {
        Path file = model;
        if (Files.isDirectory(model)) {
            for (String candidate : new String[] {"unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.fp16.safetensors"}) {
                if (Files.isRegularFile(model.resolve(candidate))) {
                    file = model.resolve(candidate);
                    break;
                }
            }
            if (file == model) return "unknown";
        }
        return Sha256.of(file).substring(0, 10);
    }
}
