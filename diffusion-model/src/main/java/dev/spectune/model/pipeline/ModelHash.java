/*
 * ModelHash: the short model hash A1111 shows ("Model hash", AutoV2): the first 10 hex digits of
 * the SHA-256 of the checkpoint file — for a diffusers folder, of its UNet weights file.
 */
package dev.spectune.model.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
        return sha256(file).substring(0, 10);
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
