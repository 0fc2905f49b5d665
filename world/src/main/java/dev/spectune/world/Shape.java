/*
 * Shape: the world's four shapes in unit coordinates — (u, v) ∈ [−1, 1]², v pointing down, the
 * shape's anchor at the origin and its radius 1 — and each shape's bounding box there, so a mask
 * of any size can be compared with the shape stretched to the same box (the scores' shape overlap).
 */
package dev.spectune.world;

import java.awt.geom.Path2D;
import java.util.Locale;

public enum Shape {
    CIRCLE, SQUARE, TRIANGLE, STAR;

    private static final double SQUARE_HALF = 0.8;
    private static final Path2D TRIANGLE_PATH = polygon(new double[] {0, -0.95, 0.95}, new double[] {-0.9, 0.75, 0.75});
    private static final Path2D STAR_PATH = star(1.0, 0.45);

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Shape ofWord(String w) {
        for (Shape s : values()) if (s.word().equals(w)) return s;
        return null;
    }

    /** Whether (u, v) lies inside the shape of radius 1 at the origin. */
    public boolean contains(double u, double v) {
        return switch (this) {
            case CIRCLE -> u * u + v * v <= 1;
            case SQUARE -> Math.abs(u) <= SQUARE_HALF && Math.abs(v) <= SQUARE_HALF;
            case TRIANGLE -> TRIANGLE_PATH.contains(u, v);
            case STAR -> STAR_PATH.contains(u, v);
        };
    }

    /** The shape's bounding box in unit coordinates: {uMin, vMin, uMax, vMax}. */
    public double[] box() {
        return switch (this) {
            case CIRCLE -> new double[] {-1, -1, 1, 1};
            case SQUARE -> new double[] {-SQUARE_HALF, -SQUARE_HALF, SQUARE_HALF, SQUARE_HALF};
            case TRIANGLE -> bounds(TRIANGLE_PATH);
            case STAR -> bounds(STAR_PATH);
        };
    }

    private static double[] bounds(Path2D p) {
        var b = p.getBounds2D();
        return new double[] {b.getMinX(), b.getMinY(), b.getMaxX(), b.getMaxY()};
    }

    private static Path2D polygon(double[] xs, double[] ys) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) p.lineTo(xs[i], ys[i]);
        p.closePath();
        return p;
    }

    /** A five-pointed star, one point up: outer radius R, inner r. */
    private static Path2D star(double outer, double inner) {
        double[] xs = new double[10], ys = new double[10];
        for (int i = 0; i < 10; i++) {
            double a = -Math.PI / 2 + i * Math.PI / 5, rad = i % 2 == 0 ? outer : inner;
            xs[i] = rad * Math.cos(a);
            ys[i] = rad * Math.sin(a);
        }
        return polygon(xs, ys);
    }
}
