/*
 * ImageProcessorTest: the arithmetic that tells transformers' processors from torchvision's
 * transforms (the DINO repository's evaluation transform): the centre crop's offset (floored vs
 * rounded half to even) and the rescale (float64 multiply vs float32 division). transformers'
 * side is pinned exactly by `parity preprocess`; this pins the torchvision side's rules.
 */
package dev.spectune.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageProcessorTest {

    /** 259 x 256: the short side is already 256 (no resize); a 35-pixel margin puts the crop at 17 (floor) or 18 (round half to even). */
    @Test
    void torchvisionRoundsTheCropOffsetTransformersFloorsIt() {
        int w = 259, h = 256;
        int[] px = new int[w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) px[y * w + x] = x << 16 | y << 8;     // red = column, green = row
        ImageProcessor.Rgb image = new ImageProcessor.Rgb(px, w, h);
        ImageProcessor original = ImageProcessor.dinoOriginal();
        ImageProcessor.Rgb cropped = original.resizeAndCrop(image);
        assertThat(cropped.width()).isEqualTo(224);
        assertThat(cropped.pixels()[0] >> 16).isEqualTo(18);
        assertThat((cropped.pixels()[0] >> 8) & 255).isEqualTo(16);
        ImageProcessor hf = new ImageProcessor("ViTImageProcessor", 256, null, null, true, PillowResize.Filter.BICUBIC, true, 224, 224, true, 1 / 255.0,
                true, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}, ImageProcessor.Convention.TRANSFORMERS);
        assertThat(hf.resizeAndCrop(image).pixels()[0] >> 16).isEqualTo(17);
    }

    @Test
    void torchvisionDividesInFloat32() {
        ImageProcessor.Rgb one = new ImageProcessor.Rgb(new int[] {0x07_07_07}, 1, 1);
        ImageProcessor original = new ImageProcessor("t", null, null, null, false, PillowResize.Filter.BICUBIC, false, 0, 0, true, 1 / 255.0, false,
                new float[3], new float[] {1, 1, 1}, ImageProcessor.Convention.TORCHVISION);
        assertThat(original.pixelValues(one)[0]).isEqualTo(7f / 255f);
        ImageProcessor hf = new ImageProcessor("t", null, null, null, false, PillowResize.Filter.BICUBIC, false, 0, 0, true, 1 / 255.0, false,
                new float[3], new float[] {1, 1, 1}, ImageProcessor.Convention.TRANSFORMERS);
        assertThat(hf.pixelValues(one)[0]).isEqualTo((float) (7 * (1 / 255.0)));
    }
}
