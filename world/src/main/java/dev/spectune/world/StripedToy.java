/*
 * StripedToy: a personalization subject the world's grammar cannot express — an outline (a ring
 * or a cross, each with a notch) striped in two colours by angle (8 sectors of 45°): the "sks toy"
 * of `demo` and the subjects of `compare`. Drawn like a world object, at a named position and size,
 * so its views vary in place and scale; its pixels are exact (a pixel's centre decides).
 */
package dev.spectune.world;

public record StripedToy(Outline outline, Palette first, Palette second) {

    /** The toy's silhouette in unit coordinates (u, v) ∈ [-1, 1]², v pointing down. */
    public enum Outline {
        /** A ring (inner radius 0.55 of the outer) with a 40° gap cut out on the right. */
        RING("ring") {
            @Override boolean contains(double u, double v) {
                double r = Math.sqrt(u * u + v * v), a = Math.atan2(v, u);
                return r <= 1 && r >= 0.55 && (a < Math.toRadians(-20) || a > Math.toRadians(20));
            }
        },
        /** A plus sign (arms 0.7 wide) whose right arm is cut short at 0.45. */
        CROSS("cross") {
            @Override boolean contains(double u, double v) {
                boolean horizontal = Math.abs(v) <= 0.35 && u >= -1 && u <= 0.45, vertical = Math.abs(u) <= 0.35 && Math.abs(v) <= 1;
                return horizontal || vertical;
            }
        };

        public final String word;

        Outline(String word) {
            this.word = word;
        }

        abstract boolean contains(double u, double v);
    }

    public StripedToy {
        if (outline == null) throw new IllegalArgumentException("a striped toy needs an outline");
        if (first == second) throw new IllegalArgumentException("a striped toy has two colours");
    }

    /** The colour at unit coordinates (u, v), or null outside the outline. */
    Palette at(double u, double v) {
        if (!outline.contains(u, v)) return null;
        int sector = (int) Math.floor((Math.atan2(v, u) + Math.PI) / (Math.PI / 4)) % 8;
        return sector % 2 == 0 ? first : second;
    }

    /** Draws the toy centred at a named position with a size's radius. */
    public void draw(int[] rgb, int side, Size size, Position position) {
        double cx = position.x * side, cy = position.y * side, radius = size.radius * side;
        for (int y = Math.max(0, (int) (cy - radius - 1)); y <= Math.min(side - 1, (int) (cy + radius + 1)); y++) {
            for (int x = Math.max(0, (int) (cx - radius - 1)); x <= Math.min(side - 1, (int) (cx + radius + 1)); x++) {
                Palette p = at((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
                if (p != null) rgb[y * side + x] = p.rgb();
            }
        }
    }

    /** A view of the toy: on {@code background}, at a position and size. */
    public int[] view(int side, Palette background, Size size, Position position) {
        if (background == first || background == second) throw new IllegalArgumentException("the background must differ from the toy's colours");
        int[] rgb = new int[side * side];
        java.util.Arrays.fill(rgb, background.rgb());
        draw(rgb, side, size, position);
        return rgb;
    }

    /** In words, e.g. "orange and purple striped ring with a notch". */
    public String describe() {
        return first.word() + " and " + second.word() + " striped " + outline.word + " with a notch";
    }
}
