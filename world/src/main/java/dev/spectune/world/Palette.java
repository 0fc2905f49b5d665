/*
 * Palette: the world's eight colours, their exact sRGB values, and the nearest-colour rule the
 * scores use: a pixel is the palette colour closest to it in RGB (Euclidean), when that colour is
 * within UNKNOWN_DISTANCE; farther pixels are of no colour. The values are spread so every pair is
 * at least 110 apart.
 */
package dev.spectune.world;

import java.util.Locale;

public enum Palette {
    RED(220, 40, 40), GREEN(40, 170, 60), BLUE(40, 80, 220), YELLOW(240, 215, 40),
    PURPLE(140, 50, 190), ORANGE(250, 140, 20), WHITE(245, 245, 245), BLACK(20, 20, 20);

    /** Pixels farther than this from every palette colour (RGB distance, 0–255 per channel) have no colour. */
    public static final double UNKNOWN_DISTANCE = 80;

    public final int r, g, b;

    Palette(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public int rgb() {
        return (r << 16) | (g << 8) | b;
    }

    /** The caption word. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Palette ofWord(String w) {
        for (Palette p : values()) if (p.word().equals(w)) return p;
        return null;
    }

    public double distance(int rgb) {
        int dr = ((rgb >> 16) & 255) - r, dg = ((rgb >> 8) & 255) - g, db = (rgb & 255) - b;
        return Math.sqrt(dr * dr + dg * dg + db * db);
    }

    /** The nearest palette colour within UNKNOWN_DISTANCE, or null. */
    public static Palette nearest(int rgb) {
        Palette best = null;
        double d = Double.MAX_VALUE;
        for (Palette p : values()) {
            double e = p.distance(rgb);
            if (e < d) {
                d = e;
                best = p;
            }
        }
        return d <= UNKNOWN_DISTANCE ? best : null;
    }
}
