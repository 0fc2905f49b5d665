/*
 * PngWriter: images in [0, 1] ([N, 3, H, W]) to 8-bit RGB PNG files, with the generation settings
 * in a tEXt chunk keyed "parameters" in AUTOMATIC1111's layout, so A1111, ComfyUI and image
 * browsers show them. Pixels are round(255·v). Files are written under a temporary name and moved
 * into place; the same image and text give the same bytes.
 */
package dev.spectune.model.pipeline;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class PngWriter {
    private PngWriter() {}

    /** One image [3, H, W] (or [1, 3, H, W]) in [0, 1] as an RGB BufferedImage. */
    public static BufferedImage toImage(INDArray chw) {
        INDArray x = chw.rank() == 4 ? chw.slice(0) : chw;
        int h = (int) x.size(1), w = (int) x.size(2);
        float[] v = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int r = byteOf(v[y * w + xx]), g = byteOf(v[h * w + y * w + xx]), b = byteOf(v[2 * h * w + y * w + xx]);
                img.setRGB(xx, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static int byteOf(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255f)));
    }

    /** A grid of N images [N, 3, H, W], as many columns as fit a square. */
    public static BufferedImage grid(INDArray images) {
        int n = (int) images.size(0), h = (int) images.size(2), w = (int) images.size(3);
        int cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
        BufferedImage grid = new BufferedImage(cols * w, rows * h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n; i++) grid.getGraphics().drawImage(toImage(images.slice(i)), (i % cols) * w, (i / cols) * h, null);
        return grid;
    }

    /** Writes a PNG with a "parameters" text chunk (null: none), atomically. */
    public static void write(BufferedImage image, String parameters, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
            try (OutputStream os = Files.newOutputStream(temp); ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
                writer.setOutput(out);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
                if (parameters != null) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", "parameters");
                    entry.setAttribute("value", parameters);
                    IIOMetadataNode text = new IIOMetadataNode("tEXt");
                    text.appendChild(entry);
                    IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                    root.appendChild(text);
                    meta.mergeTree("javax_imageio_png_1.0", root);
                }
                writer.write(new IIOImage(image, null, meta));
            } catch (IOException e) {                                                    // "No space left on device" names no file
                throw new IOException(target + ": writing failed (" + e.getMessage() + "); " + (Files.exists(target) ? "the previous file is kept" : "nothing was written"), e);
            } finally {
                writer.dispose();
            }
            dev.spectune.checkpoint.safetensors.SafetensorsWriter.moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The "parameters" text of a PNG written here (or by A1111), or null. */
    public static String readParameters(Path png) throws IOException {
        try (var in = ImageIO.createImageInputStream(png.toFile())) {
            var reader = ImageIO.getImageReadersByFormatName("png").next();
            reader.setInput(in);
            IIOMetadata meta = reader.getImageMetadata(0);
            var root = (IIOMetadataNode) meta.getAsTree("javax_imageio_png_1.0");
            var entries = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < entries.getLength(); i++) {
                var e = (IIOMetadataNode) entries.item(i);
                if ("parameters".equals(e.getAttribute("keyword"))) return e.getAttribute("value");
            }
            return null;
        }
    }

    /** The sampler name A1111 shows for a diffusers scheduler class. */
    public static String a1111Sampler(String schedulerClass) {
        return switch (schedulerClass) {
            case "DDIMScheduler" -> "DDIM";
            case "PNDMScheduler" -> "PLMS";
            case "EulerDiscreteScheduler" -> "Euler";
            case "DPMSolverMultistepScheduler" -> "DPM++ 2M";
            case "DDPMScheduler" -> "DDPM";
            default -> schedulerClass;
        };
    }

    /**
     * A1111's layout: prompt, a "Negative prompt:" line, then "Steps: …, Sampler: …, CFG scale: …,
     * Seed: …, Size: WxH, Model hash: …, Model: …" and spectune's extras.
     */
    public static String a1111Parameters(GenerationRequest r, String sampler, String modelHash, String modelName, String adapters) {
        StringBuilder sb = new StringBuilder(r.prompt());
        if (!r.negativePrompt().isEmpty()) sb.append("\nNegative prompt: ").append(r.negativePrompt());
        sb.append("\nSteps: ").append(r.steps())
                .append(", Sampler: ").append(sampler)
                .append(", CFG scale: ").append(r.guidanceScale())
                .append(", Seed: ").append(r.seed())
                .append(", Size: ").append(r.width()).append('x').append(r.height())
                .append(", Model hash: ").append(modelHash)
                .append(", Model: ").append(modelName);
        if (r.clipSkip() > 1) sb.append(", Clip skip: ").append(r.clipSkip());
        if (r.eta() > 0) sb.append(", Eta: ").append(r.eta());
        if (adapters != null && !adapters.isEmpty()) sb.append(", Adapters: ").append(adapters);
        sb.append(", Version: spectune");
        return sb.toString();
    }
}
