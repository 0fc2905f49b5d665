/*
 * Size: an object's radius as a fraction of the image side (small 0.13, large 0.22: two large
 * objects at neighbouring corners do not touch at any image size).
 */
package dev.spectune.world;

import java.util.Locale;

public enum Size {
    SMALL(0.13), LARGE(0.22);

    public final double radius;

    Size(double radius) {
        this.radius = radius;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Size ofWord(String w) {
        for (Size s : values()) if (s.word().equals(w)) return s;
        return null;
    }
}
