/*
 * PreprocessParity: transformers' image processors (CLIPImageProcessor, ViTImageProcessor) vs
 * spectune's ImageProcessor on a golden folder: preprocessor_config.json (the processor's
 * settings), preprocess.json (the inputs: DreamBooth photos by path, optionally cropped by a box,
 * or a stored uint8 image; each with the tensor and index it produced) and io.safetensors. Every
 * photo is decoded by the project's one decoder (its RGB bytes checked against Pillow's by SHA-256),
 * resized and cropped (uint8 images compared exactly), and stored inputs are turned into
 * pixel_values (compared exactly: the port is Pillow's own fixed-point arithmetic).
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.model.image.ImageDecoder;
import dev.spectune.model.image.ImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class PreprocessParity {
    private PreprocessParity() {}

    private static final Pattern INDEXED = Pattern.compile("(.+)\\[(\\d+)]");

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("preprocess");
        ImageProcessor processor = ImageProcessor.fromJson(folder.resolve("preprocessor_config.json"));
        JsonNode spec = json(folder.resolve("preprocess.json"));
        if (!spec.path("images").isArray()) throw new IllegalArgumentException(folder.resolve("preprocess.json") + ": no images list");
        try (GoldenFile golden = report.openIo(folder)) {
            for (JsonNode image : spec.get("images")) {
                String tensor = image.path("tensor").asText();
                Matcher m = INDEXED.matcher(tensor);
                if (!m.matches()) throw new IllegalArgumentException(folder.resolve("preprocess.json") + ": image tensor '" + tensor + "' is not name[index]");
                String name = m.group(1);
                int index = Integer.parseInt(m.group(2));
                ImageProcessor.Rgb input = input(folder, golden, image, report);
                ImageProcessor.Rgb resized = processor.resizeAndCrop(input);
                long[] shape = golden.shape(name);
                if (shape.length == 4 && shape[3] == 3) {                                  // uint8 images [N, H, W, 3] before rescale
                    INDArray ours = hwc(resized), expected = golden.get(name, DataType.INT).slice(index);
                    report.exact(tensor + " (uint8 after resize and crop)", same(ours, expected), note(ours, expected));
                } else {                                                                  // pixel_values [N, 3, H, W]
                    INDArray ours = Nd4j.createFromArray(processor.pixelValues(resized)).reshape(3, resized.height(), resized.width());
                    INDArray expected = golden.get(name, DataType.FLOAT).slice(index);
                    report.exact(tensor + " (pixel_values, float32)", same(ours, expected), note(ours, expected));
                }
            }
            return report;
        }
    }

    /**
     * A model folder's images (metric.json "images": photos or stored inputs, each with its batch
     * index) processed as the folder's processor does, compared exactly with pixel_values_u8[index]
     * and pixel_values[index] (the stored model input, returned for the model run).
     */
    static INDArray modelInputs(Path folder, GoldenFile golden, ParityReport report, ImageProcessor processor, JsonNode images) {
        INDArray pixels = golden.get("pixel_values", DataType.FLOAT);                                  // [B, 3, H, W]
        for (JsonNode image : images) {
            int index = image.path("index").asInt();
            ImageProcessor.Rgb resized = processor.resizeAndCrop(input(folder, golden, image, report));
            INDArray u8 = hwc(resized), storedU8 = golden.get("pixel_values_u8", DataType.INT).slice(index);
            report.exact("pixel_values_u8[" + index + "]", same(u8, storedU8), note(u8, storedU8));
            INDArray values = Nd4j.createFromArray(processor.pixelValues(resized)).reshape(3, resized.height(), resized.width());
            report.exact("pixel_values[" + index + "]", same(values, pixels.slice(index)), note(values, pixels.slice(index)));
        }
        return pixels;
    }

    /** The image a preprocess.json entry feeds the processor: a photo (decoded, SHA-checked, cropped by its box) or a stored uint8 tensor. */
    static ImageProcessor.Rgb input(Path folder, GoldenFile golden, JsonNode image, ParityReport report) {
        if (image.path("file").isNull() || image.path("file").isMissingNode()) {
            String stored = image.path("note").asText().replaceAll("^tensor (\\S+).*$", "$1");
            INDArray u8 = golden.get(stored, DataType.INT);                               // [H, W, 3]
            int h = (int) u8.size(0), w = (int) u8.size(1);
            int[] px = new int[h * w];
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) px[y * w + x] = u8.getInt(y, x, 0) << 16 | u8.getInt(y, x, 1) << 8 | u8.getInt(y, x, 2);
            return new ImageProcessor.Rgb(px, w, h);
        }
        String file = image.get("file").asText();
        Path photo = locate(folder, file);
        ImageProcessor.Rgb rgb;
        try {
            rgb = ImageProcessor.of(ImageDecoder.readRgb(photo));
        } catch (IOException e) {
            throw new IllegalArgumentException(photo + ": " + e.getMessage());
        }
        String sha = image.path("decoded_rgb_sha256").asText("");
        if (!sha.isEmpty()) report.exact(file + " decoded RGB = Pillow's (SHA-256)", sha256(rgb).equals(sha), "decoder");
        JsonNode box = image.path("crop_box_ltrb");
        if (box.isArray()) {
            int l = box.get(0).asInt(), t = box.get(1).asInt(), r = box.get(2).asInt(), b = box.get(3).asInt();
            int[] out = new int[(r - l) * (b - t)];
            for (int y = t; y < b; y++) System.arraycopy(rgb.pixels(), y * rgb.width() + l, out, (y - t) * (r - l), r - l);
            rgb = new ImageProcessor.Rgb(out, r - l, b - t);
        }
        return rgb;
    }

    /** A photo named relative to the shared fixtures' artifacts/ folder, looked for above the golden folder, then in the shared fixtures. */
    private static Path locate(Path folder, String file) {
        for (Path p = folder.toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("artifacts").resolve(file);
            if (Files.isRegularFile(candidate)) return candidate;
        }
        var shared = dev.spectune.runtime.Fixtures.locate().map(root -> root.resolve("artifacts").resolve(file)).filter(Files::isRegularFile);
        if (shared.isPresent()) return shared.get();                                      // a copy of the folder elsewhere: the shared fixtures' photos
        throw new IllegalArgumentException(folder.resolve("preprocess.json") + ": image '" + file + "' not found under an artifacts/ folder above "
                + folder + " or in the shared fixtures (" + dev.spectune.runtime.Fixtures.expectedLocation() + ")");
    }

    static INDArray hwc(ImageProcessor.Rgb image) {
        int[] v = new int[image.pixels().length * 3];
        for (int i = 0; i < image.pixels().length; i++) {
            int p = image.pixels()[i];
            v[3 * i] = (p >> 16) & 255;
            v[3 * i + 1] = (p >> 8) & 255;
            v[3 * i + 2] = p & 255;
        }
        return Nd4j.createFromArray(v).reshape(image.height(), image.width(), 3);
    }

    /** Equal shapes and bit-equal values (INDArray.equals allows 1e-5). */
    static boolean same(INDArray a, INDArray b) {
        return java.util.Arrays.equals(a.shape(), b.shape()) && java.util.Arrays.equals(a.dup('c').data().asDouble(), b.dup('c').data().asDouble());
    }

    static String note(INDArray ours, INDArray expected) {
        if (!java.util.Arrays.equals(ours.shape(), expected.shape())) {
            return "shape " + java.util.Arrays.toString(ours.shape()) + " vs " + java.util.Arrays.toString(expected.shape());
        }
        double diff = ours.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        return "max |diff| " + diff;
    }

    private static String sha256(ImageProcessor.Rgb rgb) {
        byte[] b = new byte[rgb.pixels().length * 3];
        for (int i = 0; i < rgb.pixels().length; i++) {
            int p = rgb.pixels()[i];
            b[3 * i] = (byte) (p >> 16);
            b[3 * i + 1] = (byte) (p >> 8);
            b[3 * i + 2] = (byte) p;
        }
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage());
        }
    }
}
