/*
 * WorldRenderer: draws a scene, and draws random scenes — the world's data. Pixels are exact: a
 * pixel is an object's colour when its centre lies inside the object's shape, else the
 * background's (no anti-aliasing, so a render's every pixel is a palette colour and its scores are
 * exact). What a scene leaves open (size, position, background) is drawn from the seed. Two
 * objects take two different corners, or the centre and a corner when both are small, so they
 * never touch.
 */
package dev.spectune.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

public final class WorldRenderer {
    private WorldRenderer() {}

    /** A render: the pixels (0xRRGGBB, row-major, side × side) and the scene with every attribute decided. */
    public record Render(int[] rgb, int side, Scene scene) {}

    private static final List<Position> CORNERS = List.of(Position.TOP_LEFT, Position.TOP_RIGHT, Position.BOTTOM_LEFT, Position.BOTTOM_RIGHT);

    /** Draws {@code scene}, deciding what it leaves open from {@code random}. */
    public static Render render(Scene scene, int side, Random random) {
        if (side < 16) throw new IllegalArgumentException("a render is at least 16 px, got " + side);
        List<WorldObject> decided = new ArrayList<>();
        Set<Palette> used = new java.util.HashSet<>();
        for (WorldObject o : scene.objects()) {
            if (o.isSubject()) throw new IllegalArgumentException("a subject token (" + o.subject() + ") has no drawing in the world; render its views with the subject's own drawer");
            used.add(o.colour());
        }
        for (int k = 0; k < scene.objects().size(); k++) {
            WorldObject o = scene.objects().get(k);
            Size size = o.size() != null ? o.size() : Size.values()[random.nextInt(Size.values().length)];
            Position position = o.position();
            if (position == null) position = freePosition(scene.objects(), k, decided, size, random);
            decided.add(WorldObject.of(o.colour(), o.shape(), size, position));
        }
        Palette background = scene.background();
        if (background == null) {
            List<Palette> free = new ArrayList<>();
            for (Palette p : Palette.values()) if (!used.contains(p)) free.add(p);
            background = free.get(random.nextInt(free.size()));
        }
        Scene full = new Scene(background, decided);
        int[] rgb = new int[side * side];
        java.util.Arrays.fill(rgb, background.rgb());
        for (WorldObject o : decided) draw(rgb, side, o);
        return new Render(rgb, side, full);
    }

    /** A position for object k: a corner no other object holds, or the centre for a lone object or two small ones. */
    private static Position freePosition(List<WorldObject> asked, int k, List<WorldObject> decided, Size size, Random random) {
        Set<Position> taken = new java.util.HashSet<>();
        for (WorldObject d : decided) taken.add(d.position());
        for (int j = k + 1; j < asked.size(); j++) if (asked.get(j).position() != null) taken.add(asked.get(j).position());
        List<Position> options = new ArrayList<>();
        for (Position p : CORNERS) if (!taken.contains(p)) options.add(p);
        boolean centreFree = !taken.contains(Position.CENTER) && (asked.size() == 1 || (size == Size.SMALL && decided.stream().allMatch(d -> d.size() == Size.SMALL)
                && asked.stream().allMatch(a -> a.size() == null || a.size() == Size.SMALL)));
        if (centreFree) options.add(Position.CENTER);
        return options.get(random.nextInt(options.size()));
    }

    /** Pixels whose centre is inside the object's shape take its colour. */
    static void draw(int[] rgb, int side, WorldObject o) {
        double cx = o.position().x * side, cy = o.position().y * side, radius = o.size().radius * side;
        int x0 = Math.max(0, (int) Math.floor(cx - radius)), x1 = Math.min(side - 1, (int) Math.ceil(cx + radius));
        int y0 = Math.max(0, (int) Math.floor(cy - radius)), y1 = Math.min(side - 1, (int) Math.ceil(cy + radius));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (o.shape().contains((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius)) rgb[y * side + x] = o.colour().rgb();
            }
        }
    }

    /**
     * A random captioned scene: one or two objects (colours differ from each other and from the
     * background), each attribute named in the caption with probability {@code nameProbability}
     * (colour and shape always), and the colour–shape pairs in {@code heldOut} never drawn.
     */
    public static Scene randomScene(Random random, double nameProbability, Set<String> heldOut) {
        int count = 1 + random.nextInt(2);
        List<WorldObject> objects = new ArrayList<>();
        Set<Palette> used = new java.util.HashSet<>();
        Set<Position> positions = new java.util.HashSet<>();
        for (int k = 0; k < count; k++) {
            Palette colour;
            Shape shape;
            do {
                colour = Palette.values()[random.nextInt(Palette.values().length)];
                shape = Shape.values()[random.nextInt(Shape.values().length)];
            } while (used.contains(colour) || heldOut.contains(colour.word() + " " + shape.word()));
            used.add(colour);
            Size size = random.nextDouble() < nameProbability ? Size.values()[random.nextInt(2)] : null;
            Position position = null;
            if (random.nextDouble() < nameProbability) {
                List<Position> free = new ArrayList<>();
                for (Position p : CORNERS) if (!positions.contains(p)) free.add(p);
                if (count == 1) free.add(Position.CENTER);
                position = free.get(random.nextInt(free.size()));
                positions.add(position);
            }
            objects.add(WorldObject.of(colour, shape, size, position));
        }
        Palette background = null;
        if (random.nextDouble() < nameProbability) {
            List<Palette> free = new ArrayList<>();
            for (Palette p : Palette.values()) if (!used.contains(p)) free.add(p);
            background = free.get(random.nextInt(free.size()));
        }
        return new Scene(background, objects);
    }
}
