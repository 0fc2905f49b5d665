/*
 * WorldAnalysis: what an image of the world shows, read from its pixels alone (no learned model):
 *   1. each pixel takes its nearest palette colour (Palette.nearest; too far from all: none);
 *   2. the background is the most frequent colour;
 *   3. objects are the 8-connected regions of one non-background colour with at least
 *      MIN_AREA_FRACTION of the image's pixels;
 *   4. an object's shape is the one whose mask, stretched to the object's bounding box, overlaps
 *      the object's mask most (intersection over union: position and scale normalised away); its
 *      size is large when its bounding box's longer side passes the mean of the shape's small and
 *      large sides; its position is the named place nearest the box's centre.
 */
package dev.spectune.world;

import java.util.ArrayList;
import java.util.List;

public record WorldAnalysis(Palette background, List<Detected> objects, int side) {

    /** Regions smaller than this share of the image are not objects (a small star at 64 px covers ~2%). */
    public static final double MIN_AREA_FRACTION = 0.006;

    /** One object: its colour, best-fitting shape and that fit (IoU), size, position, pixel count, bounding box and mask. */
    public record Detected(Palette colour, Shape shape, double shapeOverlap, Size size, Position position, int area,
                           int x0, int y0, int x1, int y1, boolean[] mask) {}

    public static WorldAnalysis of(int[] rgb, int side) {
        if (rgb.length != side * side) throw new IllegalArgumentException("image has " + rgb.length + " pixels, expected " + side + "x" + side);
        Palette[] label = new Palette[rgb.length];
        int[] counts = new int[Palette.values().length];
        for (int i = 0; i < rgb.length; i++) {
            label[i] = Palette.nearest(rgb[i]);
            if (label[i] != null) counts[label[i].ordinal()]++;
        }
        int bg = 0;
        for (int c = 1; c < counts.length; c++) if (counts[c] > counts[bg]) bg = c;
        Palette background = counts[bg] == 0 ? null : Palette.values()[bg];
        boolean[] seen = new boolean[rgb.length];
        List<Detected> objects = new ArrayList<>();
        int minArea = (int) Math.ceil(MIN_AREA_FRACTION * rgb.length);
        int[] queue = new int[rgb.length];
        for (int start = 0; start < rgb.length; start++) {
            if (seen[start] || label[start] == null || label[start] == background) continue;
            Palette colour = label[start];
            int tail = Regions.flood(side, start, q -> label[q] == colour, seen, queue);
            if (tail < minArea) continue;
            int[] box = Regions.box(side, queue, tail);
            int x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
            int w = x1 - x0 + 1, h = y1 - y0 + 1;
            boolean[] mask = new boolean[w * h];                                          // [h, w], the region within its box
            for (int k = 0; k < tail; k++) mask[(queue[k] / side - y0) * w + (queue[k] % side - x0)] = true;
            Shape best = Shape.CIRCLE;
            double bestIoU = -1;
            for (Shape s : Shape.values()) {
                double iou = iou(mask, stretched(s, w, h));
                if (iou > bestIoU) {
                    bestIoU = iou;
                    best = s;
                }
            }
            double[] unit = best.box();
            double smallSide = Size.SMALL.radius * side * Math.max(unit[2] - unit[0], unit[3] - unit[1]);
            double largeSide = Size.LARGE.radius * side * Math.max(unit[2] - unit[0], unit[3] - unit[1]);
            Size size = Math.max(w, h) >= (smallSide + largeSide) / 2 ? Size.LARGE : Size.SMALL;
            Position position = Position.nearest((x0 + x1 + 1) / 2.0 / side, (y0 + y1 + 1) / 2.0 / side);
            objects.add(new Detected(colour, best, bestIoU, size, position, tail, x0, y0, x1, y1, mask));
        }
        objects.sort((a, b) -> Integer.compare(b.area(), a.area()));
        return new WorldAnalysis(background, List.copyOf(objects), side);
    }

    /** The shape's mask stretched to a w × h box: pixel centres mapped into the shape's unit bounding box. */
    static boolean[] stretched(Shape s, int w, int h) {
        double[] b = s.box();
        boolean[] m = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = b[0] + (x + 0.5) / w * (b[2] - b[0]), v = b[1] + (y + 0.5) / h * (b[3] - b[1]);
                m[y * w + x] = s.contains(u, v);
            }
        }
        return m;
    }

    static double iou(boolean[] a, boolean[] b) {
        int inter = 0, union = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] && b[i]) inter++;
            if (a[i] || b[i]) union++;
        }
        return union == 0 ? 0 : inter / (double) union;
    }
}
