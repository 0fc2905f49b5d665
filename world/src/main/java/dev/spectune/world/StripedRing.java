/*
 * StripedRing: a personalization subject the world's grammar cannot express — a ring (inner
 * radius 0.55 of the outer) striped in two colours by angle (8 sectors) with a notch cut out of it
 * (a 40° gap at a fixed angle): the demo's "sks toy". Drawn like a world object, at a named
 * position and size, so its views vary in place and scale; its pixels are exact (a pixel's centre
 * decides).
 */
package dev.spectune.world;

public record StripedRing(Palette first, Palette second) {

    static final double INNER = 0.55, NOTCH_FROM = Math.toRadians(-20), NOTCH_TO = Math.toRadians(20);

    public StripedRing {
        if (first == second) throw new IllegalArgumentException("a striped ring has two colours");
    }

    /** The colour at unit coordinates (u, v), or null outside the ring. */
    Palette at(double u, double v) {
        double r = Math.sqrt(u * u + v * v);
        if (r > 1 || r < INNER) return null;
        double a = Math.atan2(v, u);
        if (a >= NOTCH_FROM && a <= NOTCH_TO) return null;
        int sector = (int) Math.floor((a + Math.PI) / (Math.PI / 4)) % 8;
        return sector % 2 == 0 ? first : second;
    }

    /** Draws the ring centred at a named position with a size's radius. */
    public void draw(int[] rgb, int side, Size size, Position position) {
        double cx = position.x * side, cy = position.y * side, radius = size.radius * side;
        for (int y = Math.max(0, (int) (cy - radius - 1)); y <= Math.min(side - 1, (int) (cy + radius + 1)); y++) {
            for (int x = Math.max(0, (int) (cx - radius - 1)); x <= Math.min(side - 1, (int) (cx + radius + 1)); x++) {
                Palette p = at((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius);
                if (p != null) rgb[y * side + x] = p.rgb();
            }
        }
    }

    /** A view of the subject: on {@code background}, at a position and size. */
    public int[] view(int side, Palette background, Size size, Position position) {
        if (background == first || background == second) throw new IllegalArgumentException("the background must differ from the ring's colours");
        int[] rgb = new int[side * side];
        java.util.Arrays.fill(rgb, background.rgb());
        draw(rgb, side, size, position);
        return rgb;
    }
}
