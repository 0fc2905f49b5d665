/* Names: adapter parameter names derived from the adapted weight's checkpoint key ("….to_q.weight" → "….to_q.soda_delta"). */
package dev.spectune.adapters;

final class Names {
    private Names() {}

    static String module(String weightKey) {
        return weightKey.endsWith(".weight") ? weightKey.substring(0, weightKey.length() - ".weight".length()) : weightKey;
    }

    static String param(String weightKey, String name) {
        return module(weightKey) + "." + name;
    }
}
