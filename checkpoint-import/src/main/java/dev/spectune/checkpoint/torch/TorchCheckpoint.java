/*
 * TorchCheckpoint: a PyTorch zip checkpoint (torch.save since 1.6: .ckpt, .bin, .pt, .pth) opened
 * as a tensor file, read without Python and without running its pickle (RestrictedUnpickler): the
 * state dict's tensors become spans of the zip's stored data/<key> entries, decoded lazily as a
 * safetensors file's are. A Lightning/LDM checkpoint's "state_dict" is taken (what the original
 * SD .ckpt files hold); its other plain entries (global_step, epoch) are listed as ignored.
 * Refused, naming what was met: the legacy non-zip format (torch < 1.6), compressed tensor data,
 * tensors that are not contiguous (a transposed view: save a .contiguous() copy), and any pickle
 * content beyond tensors and plain containers.
 */
package dev.spectune.checkpoint.torch;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class TorchCheckpoint {
    private TorchCheckpoint() {}

    /** File name endings of PyTorch checkpoints. */
    public static boolean isTorchFile(Path file) {
        String n = file.getFileName().toString().toLowerCase();
        return n.endsWith(".ckpt") || n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth");
    }

    /** The checkpoint's tensors as a read-only tensor file; metadata "format" = "pt" and "ignored" = the non-tensor entries. */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": no such file");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            byte[] magic = new byte[4];
            ch.read(java.nio.ByteBuffer.wrap(magic), 0);
            if (!(magic[0] == 'P' && magic[1] == 'K')) {
                throw new CheckpointException(path + ": a PyTorch checkpoint in the legacy format (before torch 1.6, not a zip), which is read only by"
                        + " running its pickle; re-save it with torch.save (or convert it to .safetensors) where you trust it");
            }
            ZipIndex zip = ZipIndex.read(path, ch);
            ZipIndex.Entry pickle = zip.entries().values().stream().filter(e -> e.name().endsWith("/data.pkl") || e.name().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new CheckpointException(path + ": a zip without data.pkl: not a PyTorch checkpoint"));
            String prefix = pickle.name().substring(0, pickle.name().length() - "data.pkl".length());
            Object root = RestrictedUnpickler.load(path.toString(), zip.bytes(ch, pickle));
            Map<?, ?> dict = root instanceof Map<?, ?> m ? m : null;
            if (dict == null) throw new CheckpointException(path + ": the pickle holds a " + root.getClass().getSimpleName() + ", not a dict of tensors");
            if (dict.get("state_dict") instanceof Map<?, ?> inner) dict = inner;
            Map<String, TensorInfo> spans = new LinkedHashMap<>();
            List<String> ignored = new ArrayList<>();
            for (var e : dict.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (e.getValue() instanceof RestrictedUnpickler.Tensor t) spans.put(key, span(path, zip, prefix, key, t));
                else ignored.add(key);
            }
            if (root instanceof Map<?, ?> top && dict != top) for (Object k : top.keySet()) if (!"state_dict".equals(k)) ignored.add(String.valueOf(k));
            return SafetensorsFile.ofSpans(path, spans, Map.of("format", "pt", "ignored", String.join(",", ignored)));
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage());
        }
    }

    private static TensorInfo span(Path path, ZipIndex zip, String prefix, String key, RestrictedUnpickler.Tensor t) {
        ZipIndex.Entry data = zip.entries().get(prefix + "data/" + t.storage().key());
        if (data == null) throw new CheckpointException(path + ": tensor '" + key + "' reads storage " + t.storage().key() + ", which the zip lacks");
        if (data.method() != 0) throw new CheckpointException(path + ": tensor '" + key + "' has compressed data (zip method " + data.method() + "); torch.save stores it plain");
        long[] shape = t.shape(), stride = t.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                throw new CheckpointException(path + ": tensor '" + key + "' " + Arrays.toString(shape) + " has strides " + Arrays.toString(stride)
                        + ", not a contiguous layout; save tensor.contiguous() instead");
            }
            expected *= shape[i];
        }
        int width = t.storage().dtype().bytes();
        if (t.offset() < 0 || t.offset() + expected > t.storage().numel() || t.storage().numel() * width > data.size()) {
            throw new CheckpointException(path + ": tensor '" + key + "' " + Arrays.toString(shape) + " at offset " + t.offset()
                    + " does not fit its storage of " + t.storage().numel() + " elements (" + data.size() + " bytes)");
        }
        long begin = data.dataOffset() + t.offset() * width;
        return new TensorInfo(key, t.storage().dtype(), shape, begin, begin + expected * width);
    }
}
