/*
 * DreamBoothEval: the DreamBooth table's three numbers (Ruiz et al. 2023, section 4.1) for a set of
 * generated images against the subject's real photos — CLIP-I and DINO (mean cosine over every
 * generated × real pair), CLIP-T (mean cosine of each generated image with its prompt) — with the
 * per-image and per-prompt means behind them, written as scores.json, scores.csv and scores.md.
 * CLIP-T reads the prompt with the subject identifier removed ("a sks dog" → "a dog") unless told
 * to keep it: the identifier is a rare token with no meaning to CLIP.
 */
package dev.spectune.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.model.image.ImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class DreamBoothEval {
    private DreamBoothEval() {}

    /** A generated image, the prompt that made it (null when unknown: no CLIP-T for it). */
    public record Generated(String file, ImageProcessor.Rgb image, String prompt) {}

    public record ImageScore(String file, String prompt, double clipI, Double clipT, double dino) {}

    public record PromptScore(String prompt, int images, double clipI, Double clipT, double dino) {}

    public record Scores(double clipI, Double clipT, double dino, List<ImageScore> perImage, List<PromptScore> perPrompt) {}

    /** The CLIP-T text of a prompt: the identifier word removed ("a sks dog" → "a dog"), or the prompt as given when identifier is null. */
    public static String clipTPrompt(String prompt, String identifier) {
        if (prompt == null || identifier == null || identifier.isBlank()) return prompt;
        return prompt.replaceAll("(?i)(^|\\s)" + java.util.regex.Pattern.quote(identifier) + "(?=\\s|$)", "").replaceAll("\\s+", " ").strip();
    }

    public static Scores score(ClipModel clip, DinoModel dino, List<Generated> generated, List<ImageProcessor.Rgb> reference, String identifier) {
        if (generated.isEmpty() || reference.isEmpty()) throw new IllegalArgumentException("evaluation needs generated and reference images");
        List<ImageProcessor.Rgb> all = new ArrayList<>();
        generated.forEach(g -> all.add(g.image()));
        all.addAll(reference);
        INDArray clipImages = ClipScore.unit(clip.imageFeatures(all)), dinoImages = ClipScore.unit(dino.embeddings(all));   // [G + R, *]
        int g = generated.size(), r = reference.size();
        INDArray clipCos = clipImages.mmul(clipImages.transpose()), dinoCos = dinoImages.mmul(dinoImages.transpose());
        List<String> texts = new ArrayList<>();
        Map<String, Integer> textRow = new LinkedHashMap<>();
        for (Generated x : generated) {
            String t = clipTPrompt(x.prompt(), identifier);
            if (t != null && !textRow.containsKey(t)) {
                textRow.put(t, texts.size());
                texts.add(t);
            }
        }
        INDArray textCos = texts.isEmpty() ? null : clipImages.mmul(ClipScore.unit(clip.textFeatures(texts)).transpose());   // [G + R, T]
        List<ImageScore> perImage = new ArrayList<>();
        for (int i = 0; i < g; i++) {
            double ci = 0, di = 0;
            for (int j = g; j < g + r; j++) {
                ci += clipCos.getDouble(i, j);
                di += dinoCos.getDouble(i, j);
            }
            String t = clipTPrompt(generated.get(i).prompt(), identifier);
            Double ct = t == null ? null : textCos.getDouble(i, textRow.get(t));
            perImage.add(new ImageScore(generated.get(i).file(), generated.get(i).prompt(), ci / r, ct, di / r));
        }
        Map<String, List<ImageScore>> byPrompt = new LinkedHashMap<>();
        for (ImageScore s : perImage) byPrompt.computeIfAbsent(String.valueOf(s.prompt()), k -> new ArrayList<>()).add(s);
        List<PromptScore> perPrompt = new ArrayList<>();
        for (var e : byPrompt.entrySet()) {
            List<ImageScore> s = e.getValue();
            perPrompt.add(new PromptScore(s.get(0).prompt(), s.size(), mean(s, ImageScore::clipI), meanOrNull(s), mean(s, ImageScore::dino)));
        }
        return new Scores(mean(perImage, ImageScore::clipI), meanOrNull(perImage), mean(perImage, ImageScore::dino), perImage, perPrompt);
    }

    private static double mean(List<ImageScore> s, java.util.function.ToDoubleFunction<ImageScore> f) {
        return s.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static Double meanOrNull(List<ImageScore> s) {
        var values = s.stream().filter(x -> x.clipT() != null).mapToDouble(ImageScore::clipT).toArray();
        return values.length == 0 ? null : java.util.Arrays.stream(values).average().orElseThrow();
    }

    /** scores.json ({"clip_i", "clip_t", "dino", "per_image", "per_prompt"}), scores.csv (one row per image) and scores.md; each written whole or not at all. */
    public static List<Path> write(Scores s, Path out) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("clip_i", s.clipI());
        json.put("clip_t", s.clipT());
        json.put("dino", s.dino());
        List<Map<String, Object>> images = new ArrayList<>();
        for (ImageScore i : s.perImage()) images.add(row("file", i.file(), "prompt", i.prompt(), "clip_i", i.clipI(), "clip_t", i.clipT(), "dino", i.dino()));
        json.put("per_image", images);
        List<Map<String, Object>> prompts = new ArrayList<>();
        for (PromptScore p : s.perPrompt()) prompts.add(row("prompt", p.prompt(), "images", p.images(), "clip_i", p.clipI(), "clip_t", p.clipT(), "dino", p.dino()));
        json.put("per_prompt", prompts);
        StringBuilder csv = new StringBuilder("file,prompt,clip_i,clip_t,dino\n");
        for (ImageScore i : s.perImage()) {
            csv.append(quote(i.file())).append(',').append(quote(i.prompt() == null ? "" : i.prompt())).append(',').append(num(i.clipI())).append(',')
                    .append(i.clipT() == null ? "" : num(i.clipT())).append(',').append(num(i.dino())).append('\n');
        }
        String md = "| images | CLIP-I | CLIP-T | DINO |\n|---|---|---|---|\n| " + s.perImage().size() + " | " + num(s.clipI()) + " | "
                + (s.clipT() == null ? "—" : num(s.clipT())) + " | " + num(s.dino()) + " |\n";
        return List.of(SafetensorsWriter.writeText(out.resolve("scores.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json) + "\n"),
                SafetensorsWriter.writeText(out.resolve("scores.csv"), csv.toString()), SafetensorsWriter.writeText(out.resolve("scores.md"), md));
    }

    /** One metric over subjects: the mean and the sample standard deviation (n − 1; 0 for one subject). */
    public record Spread(double mean, double std, int subjects) {
        static Spread of(double[] v) {
            double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN), ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            return new Spread(mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0, v.length);
        }
    }

    /**
     * The papers' row: each metric's mean ± std over subjects, from the scores.json of one
     * `eval dreambooth` run per subject; written as aggregate.json and aggregate.md.
     */
    public static Map<String, Spread> aggregate(List<Path> runs, Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Spread> result = new LinkedHashMap<>();
        for (String metric : List.of("clip_i", "clip_t", "dino")) {
            double[] v = new double[runs.size()];
            for (int i = 0; i < v.length; i++) {
                Path file = runs.get(i).resolve("scores.json");
                if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no scores.json (run eval dreambooth into " + runs.get(i) + " first)");
                var node = json.readTree(file.toFile()).path(metric);
                if (!node.isNumber()) throw new IllegalArgumentException(file + ": " + metric + " is " + (node.isMissingNode() ? "missing" : node) + ", not a number");
                v[i] = node.asDouble();
            }
            result.put(metric, Spread.of(v));
        }
        Files.createDirectories(out);
        Map<String, Object> doc = new LinkedHashMap<>();
        result.forEach((k, sp) -> doc.put(k, row("mean", sp.mean(), "std", sp.std())));
        doc.put("subjects", runs.stream().map(p -> p.getFileName().toString()).toList());
        SafetensorsWriter.writeText(out.resolve("aggregate.json"), json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
        StringBuilder md = new StringBuilder("| subjects | CLIP-I | CLIP-T | DINO |\n|---|---|---|---|\n| " + runs.size());
        for (Spread sp : result.values()) md.append(" | ").append(num(sp.mean())).append(" ± ").append(num(sp.std()));
        SafetensorsWriter.writeText(out.resolve("aggregate.md"), md.append(" |\n").toString());
        return result;
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
