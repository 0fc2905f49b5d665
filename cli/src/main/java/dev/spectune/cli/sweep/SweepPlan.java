/*
 * SweepPlan: a sweep's YAML plan — settings every run shares, a grid expanded into runs (the
 * Cartesian product of its lists, in the order written: subjects × methods × lr × seeds, as the
 * papers' tables are laid out), explicit runs, and what each run may use (threads, memory). Every
 * setting is an option of `spectune train` by its long name without the dashes ("method",
 * "lr", "seed", "images"); relative paths are read from the plan's folder. The role Hydra's sweeper
 * config and W&B's sweep YAML play for Python trainers, with the grid only (no search).
 *
 *   settings: {model: ../pipeline, images: ../dog, prompt: "a photo of sks dog", steps: 400}
 *   grid: {method: [lora, soda-svd], seed: [0, 1]}
 *   runs: [{method: oft, seed: 0}]
 *   threads: 1          # ND4J/OpenBLAS threads per run, on every engine
 *   memory_gib: 4       # what one run may take (its JVM's native cap); the local pool never runs more than fit
 *   score: eval_loss_after   # the run.json result results.png plots per method
 */
package dev.spectune.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

public record SweepPlan(Path file, Map<String, String> settings, Map<String, List<String>> grid, List<Map<String, String>> runs,
                        int threads, double memoryGib, String score) {

    /** The plan's top-level keys. */
    static final Set<String> KEYS = Set.of("settings", "grid", "runs", "threads", "memory_gib", "score");
    /** Named defaults. */
    static final int DEFAULT_THREADS = 1;
    static final double DEFAULT_MEMORY_GIB = 4;
    static final String DEFAULT_SCORE = "eval_loss_after";

    public SweepPlan {
        if (threads < 1) throw new IllegalArgumentException(file + ": threads must be >= 1, got " + threads);
        if (memoryGib <= 0) throw new IllegalArgumentException(file + ": memory_gib must be > 0, got " + memoryGib);
        for (var e : grid.entrySet()) {
            if (e.getValue().isEmpty()) throw new IllegalArgumentException(file + ": grid." + e.getKey() + " is an empty list");
        }
        if (!SweepResults.RESULTS.contains(score)) {
            throw new IllegalArgumentException(file + ": score '" + score + "' is not a run result (expected one of " + String.join(", ", SweepResults.RESULTS) + ")");
        }
        if (grid.isEmpty() && runs.isEmpty()) throw new IllegalArgumentException(file + ": the plan has neither a grid nor runs");
    }

    public static SweepPlan read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such plan file");
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": not readable YAML: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a YAML mapping at the top, found " + (root == null ? "nothing" : root.getNodeType()));
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) throw new IllegalArgumentException(file + ": unknown key '" + k + "' (expected " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
        }
        Map<String, String> settings = scalars(file, "settings", root.get("settings"));
        Map<String, List<String>> grid = new LinkedHashMap<>();
        JsonNode g = root.get("grid");
        if (g != null && !g.isNull()) {
            if (!g.isObject()) throw new IllegalArgumentException(file + ": grid must map settings to lists, found " + g.getNodeType());
            for (var it = g.fields(); it.hasNext(); ) {
                var e = it.next();
                List<String> values = new ArrayList<>();
                if (e.getValue().isArray()) for (JsonNode v : e.getValue()) values.add(scalar(file, "grid." + e.getKey(), v));
                else values.add(scalar(file, "grid." + e.getKey(), e.getValue()));
                grid.put(e.getKey(), values);
            }
        }
        List<Map<String, String>> runs = new ArrayList<>();
        JsonNode r = root.get("runs");
        if (r != null && !r.isNull()) {
            if (!r.isArray()) throw new IllegalArgumentException(file + ": runs must be a list of mappings, found " + r.getNodeType());
            int i = 0;
            for (JsonNode run : r) runs.add(scalars(file, "runs[" + i++ + "]", run));
        }
        int threads = root.has("threads") ? integer(file, "threads", root.get("threads")) : DEFAULT_THREADS;
        double memory = root.has("memory_gib") ? number(file, "memory_gib", root.get("memory_gib")) : DEFAULT_MEMORY_GIB;
        String score = root.has("score") ? scalar(file, "score", root.get("score")) : DEFAULT_SCORE;
        return new SweepPlan(file, settings, grid, runs, threads, memory, score);
    }

    /**
     * Every run's settings: each grid point (the product of the grid's lists, the first key slowest)
     * over the shared settings, then each explicit run over them.
     */
    public List<Map<String, String>> expand() {
        List<Map<String, String>> points = new ArrayList<>();
        if (!grid.isEmpty()) {
            points.add(new LinkedHashMap<>());
            for (var e : grid.entrySet()) {
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> p : points) {
                    for (String v : e.getValue()) {
                        Map<String, String> q = new LinkedHashMap<>(p);
                        q.put(e.getKey(), v);
                        next.add(q);
                    }
                }
                points = next;
            }
        }
        points.addAll(runs);
        List<Map<String, String>> all = new ArrayList<>();
        for (Map<String, String> p : points) {
            Map<String, String> s = new LinkedHashMap<>(settings);
            s.putAll(p);
            all.add(s);
        }
        return all;
    }

    /** The settings that differ between runs (grid keys and explicit runs' keys), in order: the results table's columns. */
    public List<String> variedSettings() {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(grid.keySet());
        for (Map<String, String> r : runs) names.addAll(r.keySet());
        return List.copyOf(names);
    }

    /** The plan's folder: where relative paths in it are read from. */
    public Path folder() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    private static Map<String, String> scalars(Path file, String where, JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n == null || n.isNull()) return m;
        if (!n.isObject()) throw new IllegalArgumentException(file + ": " + where + " must be a mapping of settings, found " + n.getNodeType());
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            m.put(e.getKey(), scalar(file, where + "." + e.getKey(), e.getValue()));
        }
        return m;
    }

    private static String scalar(Path file, String where, JsonNode v) {
        if (v == null || v.isNull() || v.isContainerNode()) {
            throw new IllegalArgumentException(file + ": " + where + " must be a single value (text, number or true/false), found " + (v == null ? "nothing" : v.getNodeType()));
        }
        return v.asText();
    }

    private static int integer(Path file, String where, JsonNode v) {
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new IllegalArgumentException(file + ": " + where + " must be a whole number, found " + v);
        return v.intValue();
    }

    private static double number(Path file, String where, JsonNode v) {
        if (!v.isNumber()) throw new IllegalArgumentException(file + ": " + where + " must be a number, found " + v);
        return v.doubleValue();
    }
}
