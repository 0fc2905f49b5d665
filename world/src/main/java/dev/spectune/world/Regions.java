/*
 * Regions: 8-connected regions of an image's pixels (a breadth-first flood fill), the one routine
 * behind the world's object detection (regions of one colour) and subject matching (regions of
 * any non-background colour).
 */
package dev.spectune.world;

import java.util.function.IntPredicate;

final class Regions {
    private Regions() {}

    /**
     * Fills from {@code start} over the 8-connected pixels for which {@code member} holds, marking
     * them in {@code seen}; the region's pixel indices are left in queue[0, count).
     *
     * @return count, the region's pixel count
     */
    static int flood(int side, int start, IntPredicate member, boolean[] seen, int[] queue) {
        int head = 0, tail = 0;
        queue[tail++] = start;
        seen[start] = true;
        while (head < tail) {
            int p = queue[head++], x = p % side, y = p / side;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= side || ny >= side) continue;
                    int q = ny * side + nx;
                    if (!seen[q] && member.test(q)) {
                        seen[q] = true;
                        queue[tail++] = q;
                    }
                }
            }
        }
        return tail;
    }

    /** The bounding box {x0, y0, x1, y1} (inclusive) of queue[0, count). */
    static int[] box(int side, int[] queue, int count) {
        int x0 = side, y0 = side, x1 = -1, y1 = -1;
        for (int k = 0; k < count; k++) {
            int x = queue[k] % side, y = queue[k] / side;
            x0 = Math.min(x0, x);
            x1 = Math.max(x1, x);
            y0 = Math.min(y0, y);
            y1 = Math.max(y1, y);
        }
        return new int[] {x0, y0, x1, y1};
    }
}
