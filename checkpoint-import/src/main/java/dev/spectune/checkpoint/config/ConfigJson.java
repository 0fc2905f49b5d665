/*
 * ConfigJson: the one reader of JSON config files (config.json, preprocessor_config.json, …) into
 * a JSON object, with errors that name the file. Python's json writes Infinity/NaN (e.g. diffusers'
 * lambda_min_clipped), so those literals are accepted.
 */
package dev.spectune.checkpoint.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ConfigJson {
    private ConfigJson() {}

    static final ObjectMapper MAPPER = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

    public static JsonNode readObject(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException(file + ": config file not found");
        try {
            JsonNode root = MAPPER.readTree(file.toFile());
            if (root == null || !root.isObject()) throw new ConfigException(file + ": not a JSON object");
            return root;
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage());
        }
    }
}
