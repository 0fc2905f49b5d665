/*
 * ImageDecoderTest: each kind of image file a DreamBooth folder may hold decodes as PIL's
 * exif_transpose + convert("RGB") does, and a damaged one is refused by name. The files are made
 * here: RGBA and palette PNGs, 8- and 16-bit grey and 16-bit RGB PNGs, a CMYK and a YCCK JPEG, a JPEG with
 * an EXIF orientation, truncated JPEG and PNG, a text file named .jpg.
 */
package dev.spectune.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {

    @TempDir
    Path dir;

    private static int[] rgb(BufferedImage img, int x, int y) {
        int v = img.getRGB(x, y);
        return new int[] {v >> 16 & 255, v >> 8 & 255, v & 255};
    }

    @Test
    void transparentPixelsKeepTheirColourAndPalettesAreLookedUp() throws IOException {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x000AC81E);                                                   // alpha 0 over (10, 200, 30)
        rgba.setRGB(1, 0, 0x80FF0000);
        Path png = dir.resolve("rgba.png");
        ImageIO.write(rgba, "png", png.toFile());
        BufferedImage out = ImageDecoder.readRgb(png);
        assertThat(rgb(out, 0, 0)).containsExactly(10, 200, 30);
        assertThat(rgb(out, 1, 0)).containsExactly(255, 0, 0);

        IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {1, (byte) 250}, new byte[] {2, 5}, new byte[] {3, 9}, new byte[] {0, (byte) 255});
        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        indexed.getRaster().setSample(1, 0, 0, 1);
        Path p = dir.resolve("palette.png");
        ImageIO.write(indexed, "png", p.toFile());
        BufferedImage q = ImageDecoder.readRgb(p);
        assertThat(rgb(q, 0, 0)).as("a transparent palette entry keeps its colour").containsExactly(1, 2, 3);
        assertThat(rgb(q, 1, 0)).containsExactly(250, 5, 9);
    }

    @Test
    void greyIsCopiedAsStoredAndSixteenBitsAreScaled() throws IOException {
        BufferedImage grey = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 100);
        Path g8 = dir.resolve("grey8.png");
        ImageIO.write(grey, "png", g8.toFile());
        assertThat(rgb(ImageDecoder.readRgb(g8), 0, 0)).containsExactly(100, 100, 100);

        BufferedImage grey16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 65535);
        grey16.getRaster().setSample(1, 0, 0, 32768);
        Path g16 = dir.resolve("grey16.png");
        ImageIO.write(grey16, "png", g16.toFile());
        BufferedImage a = ImageDecoder.readRgb(g16);
        assertThat(rgb(a, 0, 0)).containsExactly(255, 255, 255);
        assertThat(rgb(a, 1, 0)).as("scaled, not clipped to 255").containsExactly(128, 128, 128);

        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16}, false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(1, 1);
        r.setPixel(0, 0, new int[] {65535, 257 * 40, 0});
        Path c16 = dir.resolve("rgb16.png");
        ImageIO.write(new BufferedImage(cm, r, false, null), "png", c16.toFile());
        assertThat(rgb(ImageDecoder.readRgb(c16), 0, 0)).containsExactly(255, 40, 0);
    }

    @Test
    void cmykJpegsConvertAsPilDoes() throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) cmyk.setPixel(x, y, new int[] {200, 50, 10, 30});
        Path jpg = dir.resolve("cmyk.jpg");
        Files.write(jpg, jpeg(cmyk));
        // PIL: C' = 255 − stored ("CMYK;I"), R = (255 − K') − (C'·(255 − K'))/255 → (24, 6, 1)
        int[] got = rgb(ImageDecoder.readRgb(jpg), 8, 8);
        assertThat(got[0]).isCloseTo(24, within(2));
        assertThat(got[1]).isCloseTo(6, within(2));
        assertThat(got[2]).isCloseTo(1, within(2));
    }

    /**
     * A YCCK JPEG (Adobe APP14, transform 2): libjpeg turns it back into the inverted CMYK it was
     * made from (R' = 255 − C, …, then JFIF's YCbCr; K as it is) and PIL converts that as any
     * Adobe CMYK: the same stored CMYK as the test above, so the same colour.
     */
    @Test
    void ycckJpegsConvertAsPilDoes() throws IOException {
        int[] stored = {200, 50, 10, 30};
        double r = 255 - stored[0], g = 255 - stored[1], b = 255 - stored[2];
        int[] ycck = {(int) Math.round(0.299 * r + 0.587 * g + 0.114 * b), (int) Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
                (int) Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b), stored[3]};
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) raster.setPixel(x, y, ycck);
        Path jpg = dir.resolve("ycck.jpg");
        Files.write(jpg, withAdobeTransform(jpeg(raster), 2));
        int[] got = rgb(ImageDecoder.readRgb(jpg), 8, 8);
        assertThat(got[0]).isCloseTo(24, within(3));
        assertThat(got[1]).isCloseTo(6, within(3));
        assertThat(got[2]).isCloseTo(1, within(3));
    }

    @Test
    void exifOrientationIsApplied() throws IOException {
        BufferedImage img = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);           // left half red, right half blue
        for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, x < 16 ? 0xFF0000 : 0x0000FF);
        byte[] plain = jpeg(img.getRaster());
        for (int[] c : new int[][] {{1, 32, 16}, {6, 16, 32}, {8, 16, 32}, {3, 32, 16}}) {
            Path f = dir.resolve("o" + c[0] + ".jpg");
            Files.write(f, withOrientation(plain, c[0]));
            BufferedImage out = ImageDecoder.readRgb(f);
            assertThat(new int[] {out.getWidth(), out.getHeight()}).as("orientation %d", c[0]).containsExactly(c[1], c[2]);
            int[] first = rgb(out, 4, 4);                                                          // top-left corner region
            boolean red = first[0] > 200 && first[2] < 60, blue = first[2] > 200 && first[0] < 60;
            switch (c[0]) {
                case 1 -> assertThat(red).as("1: as stored").isTrue();
                case 6 -> assertThat(red).as("6: rotated 90° clockwise, the left (red) half on top").isTrue();
                case 8 -> assertThat(blue).as("8: rotated 90° counter-clockwise, the right (blue) half on top").isTrue();
                default -> assertThat(blue).as("3: rotated 180°").isTrue();
            }
        }
    }

    @Test
    void damagedFilesAreRefusedByNameAllAtOnce() throws IOException {
        BufferedImage noise = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(1);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) noise.setRGB(x, y, random.nextInt(1 << 24));
        byte[] whole = jpeg(noise.getRaster());
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> ImageDecoder.readRgb(cut)).isInstanceOf(ImageDecoder.BadImage.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("truncated or damaged");

        Path png = dir.resolve("cut.png");
        ImageIO.write(noise, "png", png.toFile());
        byte[] p = Files.readAllBytes(png);
        Files.write(png, Arrays.copyOf(p, p.length / 2));
        Path text = Files.writeString(dir.resolve("notes.jpg"), "not an image");
        Path good = dir.resolve("good.png");
        ImageIO.write(noise, "png", good.toFile());
        assertThatThrownBy(() -> ImageDecoder.readAll(List.of(png, good, text))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 of 3 images").hasMessageContaining(png + ": cannot be decoded")
                .hasMessageContaining(text + ": not a JPEG or PNG image").hasMessageNotContaining(good.toString());
        assertThat(ImageDecoder.readAll(List.of(good)).getFirst().getRGB(5, 7) & 0xFFFFFF).isEqualTo(noise.getRGB(5, 7) & 0xFFFFFF);
    }

    /** A baseline JPEG of the raster at quality 1 (3 bands: an RGB image; 4: CMYK, no Adobe marker). */
    private static byte[] jpeg(Raster raster) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(1f);
            if (raster.getNumBands() == 4) {
                w.write(null, new IIOImage(raster, null, null), p);
            } else {
                BufferedImage img = new BufferedImage(raster.getWidth(), raster.getHeight(), BufferedImage.TYPE_INT_RGB);
                img.setData(raster);
                w.write(null, new IIOImage(img, null, null), p);
            }
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }

    /** The JPEG with an Adobe APP14 segment (DCTEncodeVersion 100, flags 0, 0, the colour transform) right after SOI. */
    private static byte[] withAdobeTransform(byte[] jpeg, int transform) {
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(app14, 0, app14.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** The JPEG with an APP1 Exif segment (big-endian TIFF, one IFD0 entry: Orientation) right after SOI. */
    private static byte[] withOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        int length = exif.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 255);
        out.write(exif, 0, exif.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
