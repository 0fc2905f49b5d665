/*
 * ImageProcessor: transformers' CLIPImageProcessor and ViTImageProcessor (v4.36) as their
 * preprocessor_config.json sets them: convert to RGB; resize on the uint8 image with Pillow
 * (PillowResize) — to a shortest edge (the long edge int(size·long/short), truncated) or to an
 * exact height × width; centre crop at ((H − h)//2, (W − w)//2); then x = f32(u8 · rescale_factor
 * in float64) and pixel = (x − f32(mean)) / f32(std) in float32, channels first.
 */
package dev.spectune.model.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;

public record ImageProcessor(String type, Integer shortestEdge, Integer height, Integer width, boolean doResize, PillowResize.Filter filter,
                             boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
                             boolean doNormalize, float[] mean, float[] std, Convention convention) {

    /**
     * Whose arithmetic: transformers' (crop offsets floored, x = f32(u8 · factor in float64)) or
     * torchvision's (CenterCrop rounds the offsets half to even as Python's round(); ToTensor
     * divides in float32: x = f32(u8) / 255).
     */
    public enum Convention { TRANSFORMERS, TORCHVISION }

    /**
     * The DINO repository's evaluation transform (eval_knn.py): Resize(256, bicubic) on the short
     * side, CenterCrop(224), ToTensor, Normalize(ImageNet) — the original beside the HF processor.
     */
    public static ImageProcessor dinoOriginal() {
        return new ImageProcessor("torchvision", 256, null, null, true, PillowResize.Filter.BICUBIC, true, 224, 224, true, 1 / 255.0, true,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}, Convention.TORCHVISION);
    }

    /** An image as processed so far: packed 0xRRGGBB pixels [h][w]. */
    public record Rgb(int[] pixels, int width, int height) {}

    public static ImageProcessor fromJson(Path file) {
        JsonNode j = dev.spectune.checkpoint.config.ConfigJson.readObject(file);
        String type = j.path("image_processor_type").asText(j.path("feature_extractor_type").asText(""));
        JsonNode size = j.path("size");
        Integer shortest = null, height = null, width = null;
        if (size.isInt()) {                                                               // legacy: CLIP's int is a shortest edge, ViT's both sides
            if (type.startsWith("CLIP")) shortest = size.asInt();
            else height = width = size.asInt();
        } else if (size.has("shortest_edge")) {
            shortest = size.get("shortest_edge").asInt();
        } else if (size.has("height") && size.has("width")) {
            height = size.get("height").asInt();
            width = size.get("width").asInt();
        } else if (j.path("do_resize").asBoolean(true)) {
            throw new ConfigException(file + ": size must be a number, {shortest_edge} or {height, width}, found " + size);
        }
        JsonNode crop = j.path("crop_size");
        int cropH = crop.isInt() ? crop.asInt() : crop.path("height").asInt(0), cropW = crop.isInt() ? crop.asInt() : crop.path("width").asInt(0);
        boolean centerCrop = j.path("do_center_crop").asBoolean(false);
        if (centerCrop && (cropH < 1 || cropW < 1)) throw new ConfigException(file + ": do_center_crop needs crop_size, found " + crop);
        return new ImageProcessor(type, shortest, height, width, j.path("do_resize").asBoolean(true), PillowResize.Filter.ofPil(j.path("resample").asInt(3)),
                centerCrop, cropH, cropW, j.path("do_rescale").asBoolean(true), j.path("rescale_factor").asDouble(1 / 255.0),
                j.path("do_normalize").asBoolean(true), floats(file, j, "image_mean"), floats(file, j, "image_std"), Convention.TRANSFORMERS);
    }

    private static float[] floats(Path file, JsonNode j, String key) {
        JsonNode a = j.path(key);
        if (!a.isArray() || a.size() != 3) throw new ConfigException(file + ": " + key + " must list 3 numbers, found " + a);
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    /** The resized (and cropped) uint8 image, before rescaling: what the processor holds right before rescale and normalise. */
    public Rgb resizeAndCrop(Rgb in) {
        Rgb image = in;
        if (doResize) {
            int outH, outW;
            if (shortestEdge != null) {
                boolean wide = in.width() > in.height();
                int shortSide = wide ? in.height() : in.width(), longSide = wide ? in.width() : in.height();
                int newLong = (int) ((double) shortestEdge * longSide / shortSide);
                outH = wide ? shortestEdge : newLong;
                outW = wide ? newLong : shortestEdge;
            } else {
                outH = height;
                outW = width;
            }
            image = new Rgb(PillowResize.resize(in.pixels(), in.width(), in.height(), outW, outH, filter), outW, outH);
        }
        if (doCenterCrop) {
            if (image.height() < cropHeight || image.width() < cropWidth) {
                throw new IllegalArgumentException("center crop " + cropHeight + "x" + cropWidth + " of a smaller image " + image.height() + "x" + image.width());
            }
            int top = offset(image.height() - cropHeight), left = offset(image.width() - cropWidth);
            int[] out = new int[cropHeight * cropWidth];
            for (int y = 0; y < cropHeight; y++) System.arraycopy(image.pixels(), (y + top) * image.width() + left, out, y * cropWidth, cropWidth);
            image = new Rgb(out, cropWidth, cropHeight);
        }
        return image;
    }

    /** The crop's offset for a margin: transformers floors margin/2, torchvision rounds it half to even. */
    private int offset(int margin) {
        return convention == Convention.TORCHVISION ? (int) Math.rint(margin / 2.0) : margin / 2;
    }

    /** Model input values [3, h, w] (channels first) of a resized and cropped image. */
    public float[] pixelValues(Rgb image) {
        int n = image.width() * image.height();
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            int p = image.pixels()[i];
            for (int c = 0; c < 3; c++) {
                int u8 = (p >> (16 - 8 * c)) & 255;
                float x = !doRescale ? u8 : convention == Convention.TORCHVISION ? (float) u8 / 255f : (float) (u8 * rescaleFactor);
                out[c * n + i] = doNormalize ? (x - mean[c]) / std[c] : x;
            }
        }
        return out;
    }

    /** Packed pixels of a decoded image. */
    public static Rgb of(java.awt.image.BufferedImage img) {
        return new Rgb(img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()), img.getWidth(), img.getHeight());
    }
}
