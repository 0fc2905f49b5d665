/*
 * PillowResize: Image.resize of an 8-bit RGB image exactly as Pillow computes it
 * (libImaging/Resample.c, Pillow 9.4): a separable convolution, the horizontal pass first into an
 * 8-bit intermediate, then the vertical pass. Per output pixel: center = (i + 0.5)·scale with
 * scale = in/out; the filter's support widened by max(scale, 1) when shrinking (antialiasing),
 * taps j in [int(center − support + 0.5), int(center + support + 0.5)) clipped to the image,
 * weights filter((j − center + 0.5)/max(scale, 1)) normalised to sum 1 and turned into 22-bit
 * fixed point (round half away from zero); sums start at 2^21 and are shifted back and clamped.
 * A size equal to the input's is a plain copy, as in Pillow. transformers' image processors
 * resize this way (on the uint8 image).
 */
package dev.spectune.model.image;

public final class PillowResize {
    private PillowResize() {}

    /** Pillow's resampling filters with their support: BILINEAR (2) a triangle, BICUBIC (3) Keys' cubic with a = −0.5. */
    public enum Filter {
        BILINEAR(1.0) {
            double weight(double x) {
                x = Math.abs(x);
                return x < 1.0 ? 1.0 - x : 0.0;
            }
        },
        BICUBIC(2.0) {
            double weight(double x) {
                double a = -0.5;
                x = Math.abs(x);
                if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
                return 0.0;
            }
        };

        final double support;

        Filter(double support) {
            this.support = support;
        }

        abstract double weight(double x);

        /** PIL's resample number (Image.BILINEAR = 2, Image.BICUBIC = 3). */
        public static Filter ofPil(int resample) {
            return switch (resample) {
                case 2 -> BILINEAR;
                case 3 -> BICUBIC;
                default -> throw new IllegalArgumentException("PIL resample " + resample + " is not supported (2 bilinear, 3 bicubic)");
            };
        }
    }

    static final int PRECISION_BITS = 32 - 8 - 2;

    /** Taps of every output pixel: first input index, count, and fixed-point weights [out][ksize]. */
    private record Coefficients(int[] first, int[] count, int[][] weights) {}

    /**
     * @param rgb packed 0xRRGGBB pixels, row-major [h][w]
     * @return packed pixels of the resized image [outH][outW]
     */
    public static int[] resize(int[] rgb, int w, int h, int outW, int outH, Filter filter) {
        if (outW == w && outH == h) return rgb.clone();
        int[] image = rgb;
        int rows = h, firstRow = 0;
        Coefficients vertical = coefficients(h, outH, filter);
        if (outW != w) {
            Coefficients horizontal = coefficients(w, outW, filter);
            firstRow = vertical.first()[0];                                               // only the rows the vertical pass reads
            int lastRow = vertical.first()[outH - 1] + vertical.count()[outH - 1];
            rows = lastRow - firstRow;
            int[] temp = new int[outW * rows];
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < outW; x++) {
                    int[] k = horizontal.weights()[x];
                    int first = horizontal.first()[x], n = horizontal.count()[x], base = (y + firstRow) * w + first;
                    temp[y * outW + x] = convolve(image, base, 1, k, n);
                }
            }
            image = temp;
            w = outW;
        }
        if (outH == h && firstRow == 0 && rows == h) return image;
        int[] out = new int[outW * outH];
        for (int y = 0; y < outH; y++) {
            int[] k = vertical.weights()[y];
            int first = vertical.first()[y] - firstRow, n = vertical.count()[y];
            for (int x = 0; x < outW; x++) out[y * outW + x] = convolve(image, first * w + x, w, k, n);
        }
        return out;
    }

    /** One output pixel: Σ taps of each channel in fixed point, from 2^21, shifted and clamped. */
    private static int convolve(int[] image, int start, int step, int[] k, int n) {
        long r = 1L << (PRECISION_BITS - 1), g = r, b = r;
        for (int i = 0, at = start; i < n; i++, at += step) {
            int p = image[at];
            r += (long) ((p >> 16) & 255) * k[i];
            g += (long) ((p >> 8) & 255) * k[i];
            b += (long) (p & 255) * k[i];
        }
        return clip8(r) << 16 | clip8(g) << 8 | clip8(b);
    }

    private static int clip8(long acc) {
        long v = acc >> PRECISION_BITS;
        return (int) Math.max(0, Math.min(255, v));
    }

    /** precompute_coeffs + normalize_coeffs_8bpc of Resample.c (box = the whole input). */
    private static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize, filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int[] first = new int[outSize], count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int i = 0; i < outSize; i++) {
            double center = (i + 0.5) * scale, ss = 1.0 / filterScale;
            int min = Math.max(0, (int) (center - support + 0.5));
            int max = Math.min(inSize, (int) (center + support + 0.5)) - min;
            double[] k = new double[Math.max(max, 0)];
            double sum = 0;
            for (int x = 0; x < k.length; x++) {
                k[x] = filter.weight((x + min - center + 0.5) * ss);
                sum += k[x];
            }
            int[] fixed = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double v = sum != 0.0 ? k[x] / sum : k[x];
                fixed[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            first[i] = min;
            count[i] = k.length;
            weights[i] = fixed;
        }
        return new Coefficients(first, count, weights);
    }
}
