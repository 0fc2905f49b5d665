/*
 * SweepResults: what a sweep's folder says — each run's state, and the tables gathered from the
 * runs' own files. A run is
 *   finished     its run.json says "finished" (train writes that last, after the adapter);
 *   failed       its last attempt ended with an error (RUN/sweep.json, written by the sweep; a run
 *                stopped by SIGINT or SIGTERM is recorded "interrupted" there, not failed);
 *   interrupted  started (a run.json "running" or checkpoints) and neither of the above: a rerun resumes it;
 *   pending      not started.
 * results.csv: run id, every setting of the plan, status, the run's results (run.json; CLIP-I, CLIP-T
 * and DINO from its eval.csv when it scored itself), ms/step and peak GiB; results.md: mean ± sample std over seeds for each method and setting; results.png: the
 * plan's score per method. Every file is written to a temporary name and renamed.
 */
package dev.spectune.cli.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

public final class SweepResults {
    private SweepResults() {}

    public enum State { FINISHED, FAILED, INTERRUPTED, PENDING }

    public static final String RUNS_JSON = "runs.json", SWEEP_JSON = "sweep.json";
    /** run.json results gathered into the tables, in column order; the last two are the timing columns. */
    static final List<String> RESULTS = List.of("trainable_parameters", "eval_loss_before", "eval_loss_after", "final_loss", "clip_i", "clip_t", "dino",
            "ms_per_step", "peak_rss_gib");
    /** The DreamBooth scores, from the last row of the run's eval.csv (train --eval-every N --eval-clip DIR --eval-dino DIR). */
    static final List<String> SCORES = List.of("clip_i", "clip_t", "dino");
    /** Columns that depend on the machine and the moment, not on what was trained. */
    public static final List<String> TIMING = List.of("ms_per_step", "peak_rss_gib");
    private static final ObjectMapper JSON = new ObjectMapper();

    public static State stateOf(Path folder) {
        JsonNode run = read(folder.resolve("run.json"));
        if (run != null && "finished".equals(run.path("status").asText())) return State.FINISHED;
        JsonNode sweep = read(folder.resolve(SWEEP_JSON));
        if (sweep != null && "failed".equals(sweep.path("state").asText())) return State.FAILED;
        if (run != null || Files.isDirectory(folder.resolve("checkpoints"))) return State.INTERRUPTED;
        return State.PENDING;
    }

    static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            return null;
        }
    }

    /** OUT/runs.json: the plan's runs (id and settings), so `sweep status` knows the runs not started. */
    static void writeRunList(Path out, List<SweepRun> runs) throws IOException {
        var list = JSON.createArrayNode();
        for (SweepRun r : runs) list.addObject().put("id", r.id()).set("settings", JSON.valueToTree(r.settings()));
        SafetensorsWriter.writeText(out.resolve(RUNS_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list));
    }

    /** The runs OUT/runs.json lists: id → settings. */
    public static Map<String, Map<String, String>> runList(Path out) throws IOException {
        Path file = out.resolve(RUNS_JSON);
        JsonNode list = read(file);
        if (list == null || !list.isArray()) throw new IllegalArgumentException(file + ": not found or not readable; is " + out + " a sweep's output folder?");
        Map<String, Map<String, String>> runs = new LinkedHashMap<>();
        for (JsonNode r : list) {
            Map<String, String> s = new LinkedHashMap<>();
            r.path("settings").fields().forEachRemaining(e -> s.put(e.getKey(), e.getValue().asText()));
            runs.put(r.path("id").asText(), s);
        }
        return runs;
    }

    /** RUN/sweep.json: how the run's last attempt under the sweep ended, with the threads and ND4J native build it ran on (bit-identity needs the same). */
    public static void writeOutcome(Path folder, SweepRun run, String engine, ChildRun launcher, SweepEngine.Outcome o) throws IOException {
        ObjectNode n = JSON.createObjectNode().put("id", run.id()).put("state", o.state()).put("engine", engine)
                .put("threads", launcher.threads()).put("native_build", launcher.nativeExtension().isEmpty() ? "generic" : launcher.nativeExtension().substring(1))
                .put("exit_code", o.exitCode()).put("attempts", o.attempts()).put("seconds", o.seconds());
        if (o.error() != null) n.put("error", o.error());
        n.set("settings", JSON.valueToTree(run.settings()));
        Files.createDirectories(folder);
        SafetensorsWriter.writeText(folder.resolve(SWEEP_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }

    /** One row per run: id, settings, status, results. */
    public record Row(String id, Map<String, String> settings, State state, Map<String, String> results, String error) {}

    static List<Row> rows(Path out, Map<String, Map<String, String>> runs) {
        List<Row> rows = new ArrayList<>();
        for (var e : runs.entrySet()) {
            Path folder = SweepEngine.folder(out, e.getKey());
            State state = stateOf(folder);
            Map<String, String> results = new LinkedHashMap<>();
            JsonNode run = read(folder.resolve("run.json"));
            Map<String, String> scores = state == State.FINISHED ? lastEvaluation(folder.resolve("eval.csv")) : Map.of();
            for (String k : RESULTS) {
                results.put(k, SCORES.contains(k) ? scores.getOrDefault(k, "") : state == State.FINISHED && run != null && run.has(k) ? run.get(k).asText() : "");
            }
            JsonNode sweep = read(folder.resolve(SWEEP_JSON));
            String error = state == State.FAILED && sweep != null ? sweep.path("error").asText("") : "";
            rows.add(new Row(e.getKey(), e.getValue(), state, results, error));
        }
        return rows;
    }

    /** The last row of an eval.csv (step,clip_i,clip_t,dino) by column; empty when there is none. */
    static Map<String, String> lastEvaluation(Path csv) {
        try {
            if (!Files.isRegularFile(csv)) return Map.of();
            List<String> lines = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).toList();
            if (lines.size() < 2) return Map.of();
            String[] header = lines.getFirst().split(","), last = lines.getLast().split(",");
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(header.length, last.length); i++) m.put(header[i], last[i]);
            return m;
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** Writes results.csv, results.md and results.png; returns the rows. */
    static List<Row> write(Path out, Map<String, Map<String, String>> runs, String score) throws IOException {
        List<Row> rows = rows(out, runs);
        LinkedHashSet<String> settings = new LinkedHashSet<>();
        for (Row r : rows) settings.addAll(r.settings().keySet());
        StringBuilder csv = new StringBuilder("run_id");
        for (String s : settings) csv.append(',').append(s);
        csv.append(",status");
        for (String k : RESULTS) csv.append(',').append(k);
        csv.append(",error\n");
        for (Row r : rows) {
            csv.append(r.id());
            for (String s : settings) csv.append(',').append(csvField(r.settings().getOrDefault(s, "")));
            csv.append(',').append(r.state().name().toLowerCase());
            for (String k : RESULTS) csv.append(',').append(r.results().get(k));
            csv.append(',').append(csvField(r.error())).append('\n');
        }
        SafetensorsWriter.writeText(out.resolve("results.csv"), csv.toString());
        LinkedHashSet<String> varied = varied(rows, settings);
        SafetensorsWriter.writeText(out.resolve("results.md"), markdown(rows, varied, score));
        ResultsPlot.write(out.resolve("results.png"), groups(rows, varied, score), score);
        return rows;
    }

    private static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** Finished runs grouped by every varied setting but the seeds: group label → the score of each run in it. */
    static Map<String, List<Double>> groups(List<Row> rows, LinkedHashSet<String> varied, String score) {
        Map<String, List<Double>> g = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.state() != State.FINISHED) continue;
            String v = r.results().get(score);
            if (v == null || v.isEmpty()) continue;
            g.computeIfAbsent(label(r, varied), k -> new ArrayList<>()).add(Double.parseDouble(v));
        }
        return g;
    }

    /** A group's label: the method first, then every other setting that varies, seeds left out. */
    private static String label(Row r, LinkedHashSet<String> varied) {
        StringBuilder sb = new StringBuilder(r.settings().getOrDefault("method", "soda-svd"));
        for (String s : varied) {
            if (s.equals("method") || s.equals("seed")) continue;
            sb.append(' ').append(s).append('=').append(r.settings().getOrDefault(s, ""));
        }
        return sb.toString();
    }

    /** The settings whose value is not the same in every run. */
    private static LinkedHashSet<String> varied(List<Row> rows, LinkedHashSet<String> settings) {
        LinkedHashSet<String> varied = new LinkedHashSet<>();
        for (String s : settings) if (rows.stream().map(r -> r.settings().getOrDefault(s, "")).distinct().count() > 1) varied.add(s);
        return varied;
    }

    private static String markdown(List<Row> rows, LinkedHashSet<String> varied, String score) {
        List<String> columns = RESULTS.stream().filter(k -> !k.equals("trainable_parameters"))
                .filter(k -> rows.stream().anyMatch(r -> !r.results().get(k).isEmpty())).toList();              // scores only where runs scored themselves
        StringBuilder md = new StringBuilder("# Sweep results\n\nMean ± sample standard deviation over seeds (finished runs); n = runs in the group. Score plotted: `")
                .append(score).append("`.\n\n| method and settings | n | parameters |");
        for (String c : columns) md.append(' ').append(c).append(" |");
        md.append("\n|---|---|---|");
        md.append("---|".repeat(columns.size())).append('\n');
        Map<String, List<Row>> byGroup = new LinkedHashMap<>();
        for (Row r : rows) if (r.state() == State.FINISHED) byGroup.computeIfAbsent(label(r, varied), k -> new ArrayList<>()).add(r);
        for (var e : byGroup.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(e.getValue().size()).append(" | ").append(e.getValue().getFirst().results().get("trainable_parameters")).append(" |");
            for (String c : columns) {
                double[] v = e.getValue().stream().map(r -> r.results().get(c)).filter(x -> !x.isEmpty()).mapToDouble(Double::parseDouble).toArray();
                md.append(' ').append(meanStd(v)).append(" |");
            }
            md.append('\n');
        }
        long failed = rows.stream().filter(r -> r.state() == State.FAILED).count(), open = rows.stream().filter(r -> r.state() != State.FINISHED && r.state() != State.FAILED).count();
        md.append("\n").append(rows.size()).append(" runs: ").append(rows.size() - failed - open).append(" finished, ").append(failed).append(" failed, ").append(open).append(" not finished.\n");
        for (Row r : rows) if (r.state() == State.FAILED) md.append("- failed: `").append(r.id()).append("` ").append(r.settings()).append(": ").append(r.error()).append('\n');
        return md.toString();
    }

    static String meanStd(double[] v) {
        if (v.length == 0) return "";
        double mean = 0;
        for (double x : v) mean += x;
        mean /= v.length;
        if (v.length == 1) return String.format("%.5g", mean);
        double ss = 0;
        for (double x : v) ss += (x - mean) * (x - mean);
        return String.format("%.5g ± %.2g", mean, Math.sqrt(ss / (v.length - 1)));
    }
}
