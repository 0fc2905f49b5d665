/*
 * ImageDecoder: the one place images are read (training photos, class images; the evaluation's
 * preprocessing). What it returns is what PIL's Image.open(f) → ImageOps.exif_transpose →
 * convert("RGB") gives, as diffusers' DreamBooth scripts read images:
 *
 *   - EXIF orientation (JPEG APP1, tag 0x0112) applied, PIL's exif_transpose table;
 *   - alpha dropped, keeping the colour underneath (PIL's RGBA → RGB; drawing onto an RGB image, as
 *     Java2D would, blackens transparent pixels); palette entries looked up, their alpha dropped;
 *   - grey copied to R = G = B as stored (Java2D's getRGB would treat grey as linear and brighten it);
 *   - 16-bit samples scaled to 8 bits (round(v·255/65535)), not clipped;
 *   - CMYK JPEGs (which the JDK's decoder cannot read: TwelveMonkeys' reader is registered) by PIL's
 *     formula: stored values are taken as Adobe-inverted (PIL's "CMYK;I"), R = k' − k'·(255 − c')/255
 *     with c' and k' the stored bytes (PIL's cmyk2rgb with its MULDIV255 rounding); a YCCK JPEG
 *     (Adobe transform 2) is turned back into those bytes first, as libjpeg does for PIL.
 *
 * A file that does not decode whole — a decoder warning such as a premature end of a JPEG, which
 * the JDK fills with grey, or an exception — is refused naming the file.
 */
package dev.spectune.model.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

public final class ImageDecoder {
    private ImageDecoder() {}

    /** Pixels above this count are refused before decoding (a 16k × 16k photo; the JDK fails on larger rasters with "Invalid scanline stride"). */
    public static final long MAX_PIXELS = 1L << 28;

    /** A file that is not an image this decoder reads whole: the message names it. */
    public static final class BadImage extends IllegalArgumentException {
        public BadImage(Path file, String why) {
            super(file + ": " + why);
        }
    }

    /** The image as PIL's exif_transpose + convert("RGB") gives it, TYPE_INT_RGB. */
    public static BufferedImage readRgb(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new BadImage(file, "no such file");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new BadImage(file, "cannot be opened for reading");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new BadImage(file, "not a JPEG or PNG image (no decoder recognises its contents)");
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((r, w) -> warnings.add(w));
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new BadImage(file, reader.getWidth(0) + " x " + reader.getHeight(0) + " pixels is more than the " + MAX_PIXELS
                            + " this decoder takes; downscale it first");
                }
                int[] rgb;
                int w, h;
                Raster raw = reader.canReadRaster() && reader.getFormatName().toLowerCase().startsWith("jp") ? reader.readRaster(0, null) : null;
                if (raw != null && raw.getNumBands() == 4) {
                    w = raw.getWidth();
                    h = raw.getHeight();
                    rgb = cmykToRgb(raw, adobeTransform(file) == 2);
                } else {
                    BufferedImage img = reader.read(0);
                    w = img.getWidth();
                    h = img.getHeight();
                    rgb = toRgb(img);
                }
                if (!warnings.isEmpty()) throw new BadImage(file, "does not decode whole (" + String.join("; ", warnings) + "): truncated or damaged");
                int orientation = reader.getFormatName().toLowerCase().startsWith("jp") ? exifOrientation(file) : 1;
                return Orientation.apply(rgb, w, h, orientation);
            } catch (BadImage e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new BadImage(file, "cannot be decoded (" + e.getMessage() + "): truncated or damaged");
            } finally {
                reader.dispose();
            }
        }
    }

    /** Reads every file; all that fail are reported at once (one line each) in one BadImage-style error. */
    public static List<BufferedImage> readAll(List<Path> files) throws IOException {
        List<BufferedImage> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(readRgb(f));
            } catch (BadImage e) {
                bad.add(e.getMessage());
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(bad.size() + " of " + files.size() + " images cannot be used:\n  " + String.join("\n  ", bad));
        }
        return out;
    }

    /** 0xRRGGBB per pixel, row-major, by the rules above. */
    static int[] toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        int[] out = new int[w * h];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[y * w + x] = icm.getRGB(r.getSample(x, y, 0)) & 0xFFFFFF;
            return out;
        }
        int type = cm.getColorSpace().getType();
        if (type != ColorSpace.TYPE_GRAY && type != ColorSpace.TYPE_RGB) {
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[y * w + x] = img.getRGB(x, y) & 0xFFFFFF;   // other spaces: the colour model's conversion
            return out;
        }
        boolean gray = type == ColorSpace.TYPE_GRAY;
        int[] bits = cm.getComponentSize();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = to8(r.getSample(x, y, 0), bits[0]);
                int green = gray ? red : to8(r.getSample(x, y, 1), bits[1]);
                int blue = gray ? red : to8(r.getSample(x, y, 2), bits[2]);
                out[y * w + x] = red << 16 | green << 8 | blue;
            }
        }
        return out;
    }

    /** A sample of {@code bits} bits as 8 bits: round(v·255 / (2^bits − 1)). */
    static int to8(int v, int bits) {
        if (bits == 8) return v;
        long max = (1L << bits) - 1;
        return (int) ((v * 255L + max / 2) / max);
    }

    /**
     * PIL's CMYK;I unpacking then cmyk2rgb, on the stored bytes; a YCCK file's (Adobe transform 2)
     * turned back into them first as libjpeg's ycck_cmyk_convert does: C = 255 − R(Y, Cb, Cr) with
     * JFIF's YCbCr → RGB, likewise M and Y; K as stored.
     */
    static int[] cmykToRgb(Raster raw, boolean ycck) {
        int w = raw.getWidth(), h = raw.getHeight();
        int[] out = new int[w * h], p = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raw.getPixel(x + raw.getMinX(), y + raw.getMinY(), p);
                if (ycck) {
                    double luma = p[0], cb = p[1] - 128, cr = p[2] - 128;
                    p[0] = 255 - clip8((int) Math.round(luma + 1.402 * cr));
                    p[1] = 255 - clip8((int) Math.round(luma - 0.344136 * cb - 0.714136 * cr));
                    p[2] = 255 - clip8((int) Math.round(luma + 1.772 * cb));
                }
                int nk = p[3];                                                   // 255 − K, K = 255 − stored
                int red = clip8(nk - muldiv255(255 - p[0], nk)), green = clip8(nk - muldiv255(255 - p[1], nk)), blue = clip8(nk - muldiv255(255 - p[2], nk));
                out[y * w + x] = red << 16 | green << 8 | blue;
            }
        }
        return out;
    }

    private static int muldiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** The EXIF orientation (1–8) of a JPEG, 1 when it has none or it cannot be read. */
    /** The colour transform of a JPEG's Adobe APP14 segment (0 none, 1 YCbCr, 2 YCCK), or -1 when it has none. */
    static int adobeTransform(Path jpeg) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(jpeg)) {
            head = in.readNBytes(1 << 17);
        }
        int[] adobe = Orientation.segment(head, 0xEE, "Adobe");
        return adobe == null || adobe[0] + 11 >= adobe[1] ? -1 : head[adobe[0] + 11] & 0xFF;
    }

    static int exifOrientation(Path jpeg) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(jpeg)) {
            head = in.readNBytes(1 << 17);
        }
        return Orientation.fromJpeg(head);
    }
}
