/*
 * WeightShapes: name → shape of a set of weights, the input of every detectFromWeights. Built from
 * any safetensors file (or several), without reading tensor data.
 */
package dev.spectune.checkpoint.config;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record WeightShapes(Map<String, long[]> shapes) {

    public WeightShapes {
        shapes = Map.copyOf(shapes);
    }

    public Optional<long[]> get(String key) {
        return Optional.ofNullable(shapes.get(key));
    }

    public long[] require(String key, String why) {
        long[] s = shapes.get(key);
        if (s == null) throw new ConfigException("cannot detect " + why + ": weight '" + key + "' is missing");
        return s.clone();
    }

    public boolean has(String key) {
        return shapes.containsKey(key);
    }

    public boolean anyStartsWith(String prefix) {
        return shapes.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /** 1 + the largest index n found as {@code prefix + n + "."} in any key, 0 when none. */
    public int countIndexed(String prefix) {
        Pattern p = Pattern.compile("^" + Pattern.quote(prefix) + "(\\d+)\\.");
        int count = 0;
        for (String k : shapes.keySet()) {
            Matcher m = p.matcher(k);
            if (m.find()) count = Math.max(count, Integer.parseInt(m.group(1)) + 1);
        }
        return count;
    }

    /**
     * GroupNorm group count, which weights do not record: Stable Diffusion's 32 when every channel
     * count allows it, else the largest power of two below 32 that divides them all.
     */
    public static int guessNormGroups(java.util.Collection<Integer> channels) {
        for (int g = 32; g > 1; g /= 2) {
            final int groups = g;
            if (channels.stream().allMatch(c -> c % groups == 0)) return g;
        }
        return 1;
    }

    @Override
    public String toString() {
        return shapes.size() + " weights, e.g. " + shapes.entrySet().stream().limit(2)
                .map(e -> e.getKey() + Arrays.toString(e.getValue())).toList();
    }
}
