/*
 * Orientation: the EXIF orientation tag (0x0112) of a JPEG and the transpose that undoes it, as
 * PIL's ImageOps.exif_transpose maps them: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate
 * 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise (EXIF 2.32, TIFF 6.0 IFD layout).
 */
package dev.spectune.model.image;

import java.awt.image.BufferedImage;

final class Orientation {
    private Orientation() {}

    /** The pixels (0xRRGGBB, row-major, w × h) as the orientation says the photo is to be seen. */
    static BufferedImage apply(int[] rgb, int w, int h, int orientation) {
        boolean swap = orientation >= 5 && orientation <= 8;
        int ow = swap ? h : w, oh = swap ? w : h;
        int[] out = new int[ow * oh];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case 8 -> { sx = w - 1 - y; sy = x; }
                    default -> { sx = x; sy = y; }
                }
                out[y * ow + x] = rgb[sy * w + sx];
            }
        }
        BufferedImage img = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, ow, oh, out, 0, ow);
        return img;
    }

    /** The orientation in a JPEG's APP1 Exif segment (the file's first bytes), 1 when absent or unreadable. */
    static int fromJpeg(byte[] b) {
        int[] exif = segment(b, 0xE1, "Exif\0\0");
        return exif == null ? 1 : fromTiff(b, exif[0] + 6, exif[1]);
    }

    /**
     * The first APPn (or other) segment before the image data whose payload starts with
     * {@code signature}: {payload start, payload end} within {@code b}, or null.
     */
    static int[] segment(byte[] b, int marker, String signature) {
        if (b.length < 4 || u8(b, 0) != 0xFF || u8(b, 1) != 0xD8) return null;
        int i = 2, n = signature.length();
        while (i + 4 <= b.length && u8(b, i) == 0xFF) {
            int m = u8(b, i + 1), length = u16(b, i + 2, false);
            if (m == 0xDA || m == 0xD9) return null;                                       // image data: no such segment before it
            if (m == marker && i + 4 + n <= b.length && new String(b, i + 4, n, java.nio.charset.StandardCharsets.ISO_8859_1).equals(signature)) {
                return new int[] {i + 4, Math.min(b.length, i + 2 + length)};
            }
            i += 2 + length;
        }
        return null;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        if (tiff + 8 > end) return 1;
        boolean little = u8(b, tiff) == 'I';
        int ifd = tiff + (int) u32(b, tiff + 4, little);
        if (ifd + 2 > end || ifd < tiff) return 1;
        int entries = u16(b, ifd, little);
        for (int e = 0; e < entries; e++) {
            int at = ifd + 2 + 12 * e;
            if (at + 12 > end) return 1;
            if (u16(b, at, little) == 0x0112) {
                int v = u16(b, at + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? u8(b, i) | u8(b, i + 1) << 8 : u8(b, i) << 8 | u8(b, i + 1);
    }

    private static long u32(byte[] b, int i, boolean little) {
        return little ? (u16(b, i, true) | (long) u16(b, i + 2, true) << 16) : ((long) u16(b, i, false) << 16 | u16(b, i + 2, false));
    }
}
