/*
 * Position: the five named places of an object, as its centre in fractions of the image side
 * (corners at 0.27 / 0.73, the centre at 0.5), and the caption words ("at the top left",
 * "at the center").
 */
package dev.spectune.world;

public enum Position {
    TOP_LEFT(0.27, 0.27, "top left"), TOP_RIGHT(0.73, 0.27, "top right"), BOTTOM_LEFT(0.27, 0.73, "bottom left"),
    BOTTOM_RIGHT(0.73, 0.73, "bottom right"), CENTER(0.5, 0.5, "center");

    public final double x, y;
    public final String words;

    Position(double x, double y, String words) {
        this.x = x;
        this.y = y;
        this.words = words;
    }

    /** The named place nearest to a centre given in fractions of the image side. */
    public static Position nearest(double x, double y) {
        Position best = CENTER;
        double d = Double.MAX_VALUE;
        for (Position p : values()) {
            double e = (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y);
            if (e < d) {
                d = e;
                best = p;
            }
        }
        return best;
    }
}
