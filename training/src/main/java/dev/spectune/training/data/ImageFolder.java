/*
 * ImageFolder: the instance images of a DreamBooth run — every .jpg/.jpeg/.png of a folder, center-
 * cropped to a square and resized (bicubic) to the training resolution, as tensors [3, H, W] in
 * [−1, 1] (diffusers' train_dreambooth transforms: Resize, CenterCrop, ToTensor, Normalize(0.5, 0.5));
 * a caption per image from a .txt file beside it, when there is one. Images are read by the
 * project's one decoder (ImageDecoder: EXIF orientation, PIL's convert("RGB"), damaged files refused).
 */
package dev.spectune.training.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.spectune.model.image.ImageDecoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class ImageFolder {
    private ImageFolder() {}

    public record Example(Path source, INDArray pixels, String caption) {}

    /** An image as decoded (EXIF orientation applied, converted to RGB), with its caption. */
    public record Decoded(Path source, BufferedImage image, String caption) {}

    /** Every image of the folder, read and checked, cropped and resized to {@code resolution}. */
    public static List<Example> load(Path folder, int resolution, String defaultCaption) throws IOException {
        return resize(read(folder, defaultCaption), resolution);
    }

    /** Every .jpg/.png image and its caption, all checked before any is used: every bad file is named at once. */
    public static List<Decoded> read(Path folder, String defaultCaption) throws IOException {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException(folder + ": no such image folder");
        List<Path> files;
        try (var s = Files.list(folder)) {
            files = s.filter(p -> p.toString().toLowerCase().matches(".*\\.(jpe?g|png)$")).sorted().toList();
        }
        if (files.isEmpty()) throw new IllegalArgumentException(folder + ": no .jpg or .png images");
        List<BufferedImage> images = ImageDecoder.readAll(files);                            // every file checked; all bad ones named at once
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            Path captionFile = f.resolveSibling(f.getFileName().toString().replaceAll("\\.[^.]+$", ".txt"));
            out.add(new Decoded(f, images.get(i), Files.isRegularFile(captionFile) ? caption(captionFile) : defaultCaption));
        }
        return out;
    }

    /** The decoded images center-cropped and resized (bicubic) to resolution × resolution, as tensors [3, H, W]. */
    public static List<Example> resize(List<Decoded> decoded, int resolution) {
        return decoded.stream().map(d -> new Example(d.source(), toTensor(centerCropResize(d.image(), resolution)), d.caption())).toList();
    }

    /** A caption file's text, which must be UTF-8 (as diffusers' scripts open it). */
    static String caption(Path file) throws IOException {
        try {
            return Files.readString(file).strip();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": the caption is not UTF-8 text; save it as UTF-8");
        }
    }

    static BufferedImage centerCropResize(BufferedImage img, int size) {
        int side = Math.min(img.getWidth(), img.getHeight());
        BufferedImage crop = img.getSubimage((img.getWidth() - side) / 2, (img.getHeight() - side) / 2, side, side);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(crop, 0, 0, size, size, null);
        g.dispose();
        return out;
    }

    /** RGB image to [3, H, W] in [−1, 1]. */
    public static INDArray toTensor(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth();
        float[] v = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                v[y * w + x] = ((rgb >> 16) & 255) / 127.5f - 1f;
                v[h * w + y * w + x] = ((rgb >> 8) & 255) / 127.5f - 1f;
                v[2 * h * w + y * w + x] = (rgb & 255) / 127.5f - 1f;
            }
        }
        return Nd4j.createFromArray(v).reshape('c', 3, h, w);
    }
}
