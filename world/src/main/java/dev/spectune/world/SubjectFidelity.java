/*
 * SubjectFidelity: how closely an image's objects match a personalized subject's reference views,
 * from pixels alone. An object here is a foreground region — 8-connected pixels that are not the
 * background's colour, whatever their colour (a striped subject is one region) — of at least
 * WorldAnalysis.MIN_AREA_FRACTION of the image. Between an object and a reference's subject (its
 * largest region):
 *   shape    the intersection over union of their masks, each cropped to its bounding box and
 *            resampled to NORMALISED × NORMALISED (position and scale normalised away);
 *   colour   the intersection of their palette-label histograms (label shares of the region's pixels,
 *            "no colour" a label too);
 *   texture  1 − (|Δh| + |Δv|)/2 of the shares of horizontally and vertically neighbouring region
 *            pixels whose labels differ (stripes' density and direction).
 * An object's fidelity is the mean of the three, averaged over the references; the image's is its
 * best object's (0 without one).
 */
package dev.spectune.world;

import java.util.ArrayList;
import java.util.List;

public final class SubjectFidelity {
    private SubjectFidelity() {}

    public static final int NORMALISED = 32;

    /** A foreground region: its normalised mask, label histogram and texture shares. */
    record Region(boolean[] mask, double[] histogram, double h, double v, int area) {}

    public static double of(List<int[]> references, int[] image, int side) {
        List<Region> refs = new ArrayList<>();
        for (int[] r : references) {
            List<Region> regions = regions(r, side);
            if (regions.isEmpty()) throw new IllegalArgumentException("a reference view shows no object");
            refs.add(regions.getFirst());
        }
        double best = 0;
        for (Region o : regions(image, side)) {
            double sum = 0;
            for (Region ref : refs) sum += similarity(o, ref);
            best = Math.max(best, sum / refs.size());
        }
        return best;
    }

    static double similarity(Region a, Region b) {
        double shape = WorldAnalysis.iou(a.mask(), b.mask()), colour = 0;
        for (int i = 0; i < a.histogram().length; i++) colour += Math.min(a.histogram()[i], b.histogram()[i]);
        double texture = 1 - (Math.abs(a.h() - b.h()) + Math.abs(a.v() - b.v())) / 2;
        return (shape + colour + texture) / 3;
    }

    /** The image's foreground regions, the largest first. */
    static List<Region> regions(int[] rgb, int side) {
        int labels = Palette.values().length + 1;                                         // the last: no colour
        int[] label = new int[rgb.length];
        int[] counts = new int[labels];
        for (int i = 0; i < rgb.length; i++) {
            Palette p = Palette.nearest(rgb[i]);
            label[i] = p == null ? labels - 1 : p.ordinal();
            counts[label[i]]++;
        }
        int bg = 0;
        for (int c = 1; c < labels - 1; c++) if (counts[c] > counts[bg]) bg = c;
        boolean[] seen = new boolean[rgb.length];
        int[] queue = new int[rgb.length];
        int minArea = (int) Math.ceil(WorldAnalysis.MIN_AREA_FRACTION * rgb.length);
        List<Region> out = new ArrayList<>();
        for (int start = 0; start < rgb.length; start++) {
            if (seen[start] || label[start] == bg) continue;
            int background = bg;
            int tail = Regions.flood(side, start, q -> label[q] != background, seen, queue);
            if (tail < minArea) continue;
            int[] box = Regions.box(side, queue, tail);
            int x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3];
            boolean[] in = new boolean[rgb.length];
            for (int k = 0; k < tail; k++) in[queue[k]] = true;
            double[] hist = new double[labels];
            int hPairs = 0, hDiff = 0, vPairs = 0, vDiff = 0;
            for (int k = 0; k < tail; k++) {
                int p = queue[k], x = p % side;
                hist[label[p]] += 1.0 / tail;
                if (x + 1 < side && in[p + 1]) {
                    hPairs++;
                    if (label[p + 1] != label[p]) hDiff++;
                }
                if (p + side < rgb.length && in[p + side]) {
                    vPairs++;
                    if (label[p + side] != label[p]) vDiff++;
                }
            }
            int w = x1 - x0 + 1, h = y1 - y0 + 1;
            boolean[] mask = new boolean[NORMALISED * NORMALISED];                           // [32, 32]: the region's box resampled
            for (int y = 0; y < NORMALISED; y++) {
                for (int x = 0; x < NORMALISED; x++) {
                    int sx = x0 + (int) ((x + 0.5) * w / NORMALISED), sy = y0 + (int) ((y + 0.5) * h / NORMALISED);
                    mask[y * NORMALISED + x] = in[sy * side + sx];
                }
            }
            out.add(new Region(mask, hist, hPairs == 0 ? 0 : hDiff / (double) hPairs, vPairs == 0 ? 0 : vDiff / (double) vPairs, tail));
        }
        out.sort((a, b) -> Integer.compare(b.area(), a.area()));
        return out;
    }

    /**
     * Diversity of a set of images (one prompt, several seeds): the mean over pairs of the share of
     * pixels whose palette labels differ; 0 for identical images.
     */
    public static double diversity(List<int[]> images) {
        if (images.size() < 2) return 0;
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int j = i + 1; j < images.size(); j++) {
                int[] a = images.get(i), b = images.get(j);
                if (a.length != b.length) throw new IllegalArgumentException("images differ in size");
                int diff = 0;
                for (int p = 0; p < a.length; p++) if (Palette.nearest(a[p]) != Palette.nearest(b[p])) diff++;
                sum += diff / (double) a.length;
                pairs++;
            }
        }
        return sum / pairs;
    }
}
