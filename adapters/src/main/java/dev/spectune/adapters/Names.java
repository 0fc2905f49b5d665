/*
 * Names: adapter parameter names derived from the adapted weight's checkpoint key ("….to_q.weight" →
 * "….to_q.soda_delta"), and peft's module lists as regexes over weight keys and back.
 */
package dev.spectune.adapters;

public final class Names {
    private Names() {}

    static String module(String weightKey) {
        return weightKey.endsWith(".weight") ? weightKey.substring(0, weightKey.length() - ".weight".length()) : weightKey;
    }

    static String param(String weightKey, String name) {
        return module(weightKey) + "." + name;
    }

    /**
     * peft's target_modules (or feedforward_modules) as a regex over weight keys: a string is a
     * full-match regex on module names; a list of names matches module-name suffixes.
     */
    public static String peftModules(String source, com.fasterxml.jackson.databind.JsonNode modules) {
        if (modules.isTextual()) return "(" + modules.asText() + ")\\.weight";
        if (!modules.isArray() || modules.isEmpty()) throw new IllegalArgumentException(source + ": module list missing");
        java.util.List<String> names = new java.util.ArrayList<>();
        modules.forEach(t -> names.add(java.util.regex.Pattern.quote(t.asText())));
        return "(.*\\.)?(" + String.join("|", names) + ")\\.weight";
    }

    /** The module paths of adapted layers ("….to_q.weight" → "….to_q"), for peft's module lists. */
    static com.fasterxml.jackson.databind.node.ArrayNode moduleList(java.util.List<AdaptedWeight> layers, java.util.function.Predicate<AdaptedWeight> which) {
        var list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (AdaptedWeight a : layers) if (which.test(a)) list.add(module(a.key()));
        return list;
    }
}
