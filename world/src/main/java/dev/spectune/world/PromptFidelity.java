/*
 * PromptFidelity: how far an image shows what its prompt says — per attribute the prompt names,
 * 1 when the image's analysis (WorldAnalysis) agrees and 0 when not:
 *   background_colour  the background's colour;
 *   count              the number of objects;
 *   object_colour, shape, size, position   per prompt object, against the detected object assigned
 *                      to it (the assignment that agrees on most attributes; a prompt object with
 *                      no detected object left disagrees on all of its attributes).
 * A subject token is scored on size, position and count only. prompt_fidelity is the share of all
 * the prompt's checks that agree. Attributes a prompt does not name are not counted.
 */
package dev.spectune.world;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class PromptFidelity {
    private PromptFidelity() {}

    public static final List<String> ATTRIBUTES = List.of("background_colour", "object_colour", "shape", "size", "position", "count");

    /** Per attribute: {agreeing, counted}. */
    public record Score(Map<String, int[]> checks) {
        public double fidelity() {
            int agree = 0, counted = 0;
            for (int[] c : checks.values()) {
                agree += c[0];
                counted += c[1];
            }
            return counted == 0 ? 1 : agree / (double) counted;
        }

        /** The share of agreeing checks of one attribute, or NaN when the prompt names none. */
        public double of(String attribute) {
            int[] c = checks.get(attribute);
            return c[1] == 0 ? Double.NaN : c[0] / (double) c[1];
        }
    }

    public static Score score(Scene prompt, WorldAnalysis image) {
        Map<String, int[]> checks = new LinkedHashMap<>();
        for (String a : ATTRIBUTES) checks.put(a, new int[2]);
        if (prompt.background() != null) add(checks, "background_colour", prompt.background() == image.background());
        add(checks, "count", prompt.objects().size() == image.objects().size());
        List<WorldObject> asked = prompt.objects();
        List<WorldAnalysis.Detected> found = image.objects();
        int[] best = null;
        int bestAgree = -1;
        for (int[] assignment : assignments(asked.size(), found.size())) {                       // assignment[k]: detected index for prompt object k, or -1
            int agree = 0;
            for (int k = 0; k < asked.size(); k++) agree += assignment[k] < 0 ? 0 : agreeing(asked.get(k), found.get(assignment[k]));
            if (agree > bestAgree) {
                bestAgree = agree;
                best = assignment;
            }
        }
        for (int k = 0; k < asked.size(); k++) {
            WorldObject o = asked.get(k);
            WorldAnalysis.Detected d = best[k] < 0 ? null : found.get(best[k]);
            if (!o.isSubject()) {
                add(checks, "object_colour", d != null && d.colour() == o.colour());
                add(checks, "shape", d != null && d.shape() == o.shape());
            }
            if (o.size() != null) add(checks, "size", d != null && d.size() == o.size());
            if (o.position() != null) add(checks, "position", d != null && d.position() == o.position());
        }
        return new Score(checks);
    }

    private static int agreeing(WorldObject o, WorldAnalysis.Detected d) {
        int a = 0;
        if (!o.isSubject() && d.colour() == o.colour()) a++;
        if (!o.isSubject() && d.shape() == o.shape()) a++;
        if (o.size() != null && d.size() == o.size()) a++;
        if (o.position() != null && d.position() == o.position()) a++;
        return a;
    }

    /** Every injective map of {@code asked} prompt objects into {@code found} detections (−1: none left). */
    private static List<int[]> assignments(int asked, int found) {
        List<int[]> out = new java.util.ArrayList<>();
        fill(new int[asked], 0, found, new boolean[found], out);
        return out;
    }

    private static void fill(int[] a, int k, int found, boolean[] used, List<int[]> out) {
        if (k == a.length) {
            out.add(a.clone());
            return;
        }
        boolean any = false;
        for (int j = 0; j < found; j++) {
            if (used[j]) continue;
            any = true;
            used[j] = true;
            a[k] = j;
            fill(a, k + 1, found, used, out);
            used[j] = false;
        }
        if (!any) {
            a[k] = -1;
            fill(a, k + 1, found, used, out);
        }
    }

    private static void add(Map<String, int[]> checks, String attribute, boolean agree) {
        int[] c = checks.get(attribute);
        if (agree) c[0]++;
        c[1]++;
    }
}
