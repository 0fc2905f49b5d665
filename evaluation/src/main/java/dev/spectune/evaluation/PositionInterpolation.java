/*
 * PositionInterpolation: transformers' ViTEmbeddings.interpolate_pos_encoding (v4.36) for an input
 * of height × width: the patch rows of the position table, a √N × √N grid, resized by torch's
 * bicubic interpolation (aten upsample_bicubic2d: A = −0.75, align_corners=False, taps clamped to
 * the border) driven by scale_factor = (h/p + 0.1)/√N and (w/p + 0.1)/√N — the source position of
 * output i is (i + 0.5)/scale − 0.5, so the +0.1 moves the samples, not only the size — then the
 * CLS row put back in front. Skipped (the table as it is) when the patch count matches and h == w.
 * Computed eagerly in double: it depends on the weights and the input size only.
 */
package dev.spectune.evaluation;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class PositionInterpolation {
    private PositionInterpolation() {}

    static final double A = -0.75;

    /**
     * @param table [1, 1 + N, D] the learned position embeddings
     * @return [1, 1 + (h/p)(w/p), D] in the table's data type
     */
    public static INDArray forInput(INDArray table, int height, int width, int patch) {
        long positions = table.size(1) - 1, dim = table.size(2);
        int rows = height / patch, cols = width / patch;
        if ((long) rows * cols == positions && height == width) return table;
        int side = (int) Math.sqrt(positions);
        if ((long) side * side != positions) throw new IllegalArgumentException("position table of " + positions + " patches is not a square grid");
        double scaleY = (rows + 0.1) / Math.sqrt(positions), scaleX = (cols + 0.1) / Math.sqrt(positions);
        int outRows = (int) Math.floor(side * scaleY), outCols = (int) Math.floor(side * scaleX);
        INDArray doubles = table.castTo(DataType.DOUBLE);                                          // [1, 1 + N, D]
        double[] grid = doubles.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, positions + 1), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asDouble();   // [N, D]
        double[] out = new double[(1 + outRows * outCols) * (int) dim];
        double[] cls = doubles.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup('c').data().asDouble();
        System.arraycopy(cls, 0, out, 0, (int) dim);
        for (int oy = 0; oy < outRows; oy++) {
            double sy = (oy + 0.5) / scaleY - 0.5;
            int iy = (int) Math.floor(sy);
            double[] wy = coefficients(sy - iy);
            for (int ox = 0; ox < outCols; ox++) {
                double sx = (ox + 0.5) / scaleX - 0.5;
                int ix = (int) Math.floor(sx);
                double[] wx = coefficients(sx - ix);
                int at = (1 + oy * outCols + ox) * (int) dim;
                for (int c = 0; c < dim; c++) {
                    double v = 0;
                    for (int ky = 0; ky < 4; ky++) {
                        int y = Math.clamp(iy - 1 + ky, 0, side - 1);
                        double row = 0;
                        for (int kx = 0; kx < 4; kx++) {
                            int x = Math.clamp(ix - 1 + kx, 0, side - 1);
                            row += wx[kx] * grid[(y * side + x) * (int) dim + c];
                        }
                        v += wy[ky] * row;
                    }
                    out[at + c] = v;
                }
            }
        }
        return Nd4j.createFromArray(out).reshape(1, 1 + (long) outRows * outCols, dim).castTo(table.dataType());
    }

    /** The four tap weights of a fractional offset t (aten's get_cubic_upsample_coefficients). */
    static double[] coefficients(double t) {
        return new double[] {far(t + 1), near(t), near(1 - t), far(2 - t)};
    }

    private static double near(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double far(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
