/*
 * ModelIndex: a diffusers pipeline's model_index.json — the pipeline class and, per component
 * folder, the (library, class) that implements it; null entries are absent components.
 */
package dev.spectune.checkpoint.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public record ModelIndex(String pipelineClass, Map<String, String> components) {

    public ModelIndex {
        components = Map.copyOf(components);
    }

    public static ModelIndex fromJson(Path file) {
        Json j = Json.read(file);
        String cls = j.text("_class_name");
        Map<String, String> components = new LinkedHashMap<>();
        j.root().fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (e.getKey().startsWith("_") || !v.isArray() || v.size() != 2 || v.get(1).isNull()) return;
            components.put(e.getKey(), v.get(1).asText());
        });
        return new ModelIndex(cls, components);
    }

    public boolean has(String component) {
        return components.containsKey(component);
    }
}
