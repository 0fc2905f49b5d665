/*
 * TensorFiles: the one place a weight file is opened by its kind — safetensors, or a PyTorch zip
 * checkpoint (.ckpt, .bin, .pt, .pth) read without running its pickle (torch.TorchCheckpoint) —
 * as a lazily decoded tensor file.
 */
package dev.spectune.checkpoint;

import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.torch.TorchCheckpoint;
import java.nio.file.Path;

public final class TensorFiles {
    private TensorFiles() {}

    public static SafetensorsFile open(Path file) {
        return TorchCheckpoint.isTorchFile(file) ? TorchCheckpoint.open(file) : SafetensorsFile.open(file);
    }
}
