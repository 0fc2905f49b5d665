/*
 * StrictLoad: compares the weights a model expects (names and shapes from its module tree) with
 * what a source holds, and reports every missing, unexpected and mis-shaped key at once — as
 * torch's load_state_dict(strict=True) does — before anything is loaded.
 */
package dev.spectune.checkpoint;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

public final class StrictLoad {
    private StrictLoad() {}

    public record Report(List<String> missing, List<String> unexpected, List<String> misshaped) {
        public boolean ok() {
            return missing.isEmpty() && unexpected.isEmpty() && misshaped.isEmpty();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            section(sb, "missing", missing);
            section(sb, "unexpected", unexpected);
            section(sb, "mis-shaped", misshaped);
            return sb.toString().strip();
        }

        private static void section(StringBuilder sb, String what, List<String> keys) {
            if (keys.isEmpty()) return;
            sb.append(keys.size()).append(' ').append(what).append(" key").append(keys.size() == 1 ? "" : "s").append(":\n");
            for (String k : keys) sb.append("  ").append(k).append('\n');
        }
    }

    public static Report compare(Map<String, long[]> expected, WeightSource source) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), misshaped = new ArrayList<>();
        for (var e : expected.entrySet()) {
            if (!source.keys().contains(e.getKey())) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else {
                long[] found = source.shape(e.getKey());
                if (!Arrays.equals(found, e.getValue())) {
                    misshaped.add(e.getKey() + ": expected " + Arrays.toString(e.getValue()) + ", found " + Arrays.toString(found));
                }
            }
        }
        for (String k : source.keys()) if (!expected.containsKey(k)) unexpected.add(k + " " + Arrays.toString(source.shape(k)));
        return new Report(missing, unexpected, misshaped);
    }

    /** Throws with the full report unless the source holds exactly the expected keys and shapes. */
    public static void require(Map<String, long[]> expected, WeightSource source) {
        Report r = compare(expected, source);
        if (!r.ok()) throw new CheckpointException(source.description() + ": weights do not match the model\n" + r);
    }
}
