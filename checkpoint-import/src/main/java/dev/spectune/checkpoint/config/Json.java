/*
 * Json: typed field access for config files, with errors that name the file, the field, what was
 * expected and what was found.
 */
package dev.spectune.checkpoint.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class Json {
    /** diffusers configs are written by Python's json, which emits Infinity/NaN (e.g. lambda_min_clipped). */
    private static final ObjectMapper MAPPER = ConfigJson.MAPPER;

    private final String source;
    private final JsonNode root;

    private Json(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    static Json read(Path file) {
        return new Json(file.toString(), ConfigJson.readObject(file));
    }

    static Json parse(String source, String text) {
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || !root.isObject()) throw new ConfigException(source + ": not a JSON object");
            return new Json(source, root);
        } catch (IOException e) {
            throw new ConfigException(source + ": not valid JSON: " + e.getMessage());
        }
    }

    String source() {
        return source;
    }

    /** A nested object (e.g. a CLIPConfig's text_config); an empty one when the key is absent, as save_pretrained omits all-default sub-configs. */
    Json object(String field) {
        JsonNode node = root.get(field);
        if (node != null && !node.isObject()) throw new ConfigException(field + " must be an object, found " + node);
        return new Json(source + " " + field, node == null ? MAPPER.createObjectNode() : node);
    }

    boolean has(String field) {
        JsonNode n = root.get(field);
        return n != null && !n.isNull();
    }

    private JsonNode require(String field, String expected) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new ConfigException(source + ": missing required field '" + field + "' (" + expected + ")");
        return n;
    }

    private ConfigException wrong(String field, String expected, JsonNode found) {
        return new ConfigException(source + ": field '" + field + "' should be " + expected + ", found " + found);
    }

    int integer(String field) {
        JsonNode n = require(field, "an integer");
        if (!n.canConvertToInt() || !n.isIntegralNumber()) throw wrong(field, "an integer", n);
        return n.intValue();
    }

    int integer(String field, int fallback) {
        return has(field) ? integer(field) : fallback;
    }

    double number(String field, double fallback) {
        if (!has(field)) return fallback;
        JsonNode n = root.get(field);
        if (!n.isNumber()) throw wrong(field, "a number", n);
        return n.doubleValue();
    }

    boolean bool(String field, boolean fallback) {
        if (!has(field)) return fallback;
        JsonNode n = root.get(field);
        if (!n.isBoolean()) throw wrong(field, "true or false", n);
        return n.booleanValue();
    }

    String text(String field, String fallback) {
        if (!has(field)) return fallback;
        JsonNode n = root.get(field);
        if (!n.isTextual()) throw wrong(field, "a string", n);
        return n.textValue();
    }

    String text(String field) {
        JsonNode n = require(field, "a string");
        if (!n.isTextual()) throw wrong(field, "a string", n);
        return n.textValue();
    }

    List<Integer> integers(String field) {
        JsonNode n = require(field, "a list of integers");
        if (!n.isArray()) throw wrong(field, "a list of integers", n);
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isIntegralNumber()) throw wrong(field, "a list of integers", n);
            out.add(v.intValue());
        }
        return out;
    }

    /** An int or a list of ints; an int is repeated {@code length} times. */
    List<Integer> integerOrList(String field, int length, int fallback) {
        if (!has(field)) return java.util.Collections.nCopies(length, fallback);
        JsonNode n = root.get(field);
        if (n.isIntegralNumber()) return java.util.Collections.nCopies(length, n.intValue());
        List<Integer> list = integers(field);
        if (list.size() != length) throw wrong(field, "an integer or a list of " + length, n);
        return list;
    }

    List<String> strings(String field) {
        JsonNode n = require(field, "a list of strings");
        if (!n.isArray()) throw wrong(field, "a list of strings", n);
        List<String> out = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isTextual()) throw wrong(field, "a list of strings", n);
            out.add(v.textValue());
        }
        return out;
    }

    JsonNode node(String field) {
        return root.get(field);
    }

    JsonNode root() {
        return root;
    }
}
