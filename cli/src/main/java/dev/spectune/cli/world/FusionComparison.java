/*
 * FusionComparison: `compare --fusion` — the Spectral Adapter paper's multi-adapter fusion result
 * in miniature (Zhang & Pilanci 2024, "Spectral Adapter: Fine-Tuning in Spectral Space", §4.2:
 * concepts tuned on disjoint spectral column blocks fuse without interfering, where merged LoRAs
 * blend). Two subjects ("sks toy", "ohwx toy") are trained separately with each method — the
 * Spectral Adapter (additive) on column blocks 0 and 1, LoRA and SODA-SVD on the same weights —
 * then the two adapters are merged (sum: W0 + ΔW1 + ΔW2; mean: W0 + ½(ΔW1 + ΔW2)) and each subject
 * is prompted in its own contexts and both together in one scene. The table sets each subject's
 * fidelity in the fused model against its single adapter's (retention) and, since a blend draws the
 * other subject where this one was asked for, against the other subject's views (separation: own
 * minus other, in the subject's own contexts).
 */
package dev.spectune.cli.world;

import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.cli.MergedAdapters;
import dev.spectune.cli.sweep.SweepCommand;
import dev.spectune.cli.sweep.SweepEngine;
import dev.spectune.cli.sweep.SweepPlan;
import dev.spectune.cli.sweep.SweepResults;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

final class FusionComparison {
    private FusionComparison() {}

    static final List<String> METHODS = List.of("spectral-a", "lora", "soda-svd");
    static final List<String> IDENTIFIERS = List.of(SubjectViews.IDENTIFIER, SubjectViews.SECOND_IDENTIFIER);
    /** Both subjects in one scene, each at its own corner. */
    static final List<String> JOINT = List.of("a sks toy at the top left and a ohwx toy at the bottom right on a white background",
            "a ohwx toy at the top right and a sks toy at the bottom left on a black background");

    /** What `compare` hands over: the base model, image side, training steps, sampling, learning rates (the plan's lr, stiefel-lr where set), the engine and the output folder. */
    record Setup(Path base, int side, int steps, int imagesPerContext, WorldSamples.Sampling sampling, Map<String, String> rates, SweepEngine engine, int parallel, Path out) {}

    static void run(Setup s) throws Exception {
        long start = System.nanoTime();
        List<List<int[]>> references = new ArrayList<>();
        List<Path> views = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            views.add(s.out().toAbsolutePath().resolve("subjects").resolve("subject" + i));
            references.add(SubjectViews.write(SubjectViews.SUBJECTS.get(i), IDENTIFIERS.get(i), views.get(i), s.side()));
        }
        List<Map<String, String>> runs = new ArrayList<>();
        for (String method : METHODS) {
            for (int i = 0; i < 2; i++) {
                Map<String, String> r = new LinkedHashMap<>();
                r.put("method", method);
                r.put("images", views.get(i).toString());
                r.put("prompt", SubjectViews.instancePrompt(IDENTIFIERS.get(i)));
                if (method.equals("spectral-a")) r.put("spectral-columns", "block:" + i);             // disjoint column blocks, as the paper fuses
                runs.add(r);
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("model", s.base().toString());
        settings.put("steps", Integer.toString(s.steps()));
        settings.put("resolution", Integer.toString(s.side()));
        settings.putAll(s.rates());
        Path planFile = CompareCommand.writePlan(s.out().resolve("plan.yaml"), settings, runs);
        List<SweepResults.Row> rows = SweepCommand.execute(SweepPlan.read(planFile), planFile.toString(), s.out().resolve("sweep"), s.engine(),
                new SweepEngine.Options(s.parallel(), "local[2,2]", false));
        Map<String, Path[]> adapters = new LinkedHashMap<>();
        for (SweepResults.Row r : rows) {
            if (r.state() != SweepResults.State.FINISHED) throw new IllegalStateException("fusion run " + r.id() + " " + r.settings() + " did not finish: " + r.error());
            int subject = r.settings().get("prompt").contains(IDENTIFIERS.get(1)) ? 1 : 0;
            adapters.computeIfAbsent(r.settings().get("method"), k -> new Path[2])[subject] = SweepEngine.folder(s.out().resolve("sweep"), r.id()).resolve("adapter");
        }

        List<String[]> table = new ArrayList<>();                   // method, fusion, subject, own-context fidelity, joint-scene fidelity, prompt fidelity, other subject's fidelity
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(s.base(), null)) {
            for (String method : METHODS) {
                Path[] a = adapters.get(method);
                for (int i = 0; i < 2; i++) {                                                         // each adapter alone
                    MergedAdapters.into(pipe, List.of(a[i]), List.of(1.0));
                    List<WorldSamples.Sample> own = WorldSamples.sample(pipe, SubjectViews.contexts(SubjectViews.SUBJECTS.get(i), IDENTIFIERS.get(i)), s.imagesPerContext(), s.sampling(),
                            s.out().resolve("images").resolve(method + "-single-" + i), "");
                    table.add(new String[] {method, "single", "subject" + i, fmt(WorldSamples.subjectFidelity(own, references.get(i))), "",
                            fmt(WorldSamples.promptFidelity(WorldSamples.checks(own))), fmt(WorldSamples.subjectFidelity(own, references.get(1 - i)))});
                }
                for (String fusion : List.of("sum", "mean")) {
                    double lambda = fusion.equals("sum") ? 1.0 : 0.5;
                    MergedAdapters.into(pipe, List.of(a[0], a[1]), List.of(lambda, lambda));
                    List<WorldSamples.Sample> joint = WorldSamples.sample(pipe, JOINT, s.imagesPerContext(), s.sampling(),
                            s.out().resolve("images").resolve(method + "-" + fusion + "-joint"), "");
                    for (int i = 0; i < 2; i++) {
                        List<WorldSamples.Sample> own = WorldSamples.sample(pipe, SubjectViews.contexts(SubjectViews.SUBJECTS.get(i), IDENTIFIERS.get(i)), s.imagesPerContext(), s.sampling(),
                                s.out().resolve("images").resolve(method + "-" + fusion + "-" + i), "");
                        table.add(new String[] {method, fusion, "subject" + i, fmt(WorldSamples.subjectFidelity(own, references.get(i))),
                                fmt(WorldSamples.subjectFidelity(joint, references.get(i))), fmt(WorldSamples.promptFidelity(WorldSamples.checks(own))),
                                fmt(WorldSamples.subjectFidelity(own, references.get(1 - i)))});
                    }
                }
                System.out.printf("  fusion %-10s done%n", method);
            }
        }
        write(s, table, (System.nanoTime() - start) / 1e9);
    }

    /** Retention differences smaller than this are not called a result. */
    static final double MARGIN = 0.05;

    /** Mean over the two subjects of fused own-context fidelity / single-adapter fidelity. */
    static double retention(List<String[]> table, String method, String fusion) {
        double sum = 0;
        for (int i = 0; i < 2; i++) {
            double single = value(table, method, "single", i, 3), fused = value(table, method, fusion, i, 3);
            sum += single > 0 ? fused / single : Double.NaN;
        }
        return sum / 2;
    }

    /** Mean over the two subjects of own-subject minus other-subject fidelity in the subject's own contexts (0: the two are drawn alike). */
    static double separation(List<String[]> table, String method, String fusion) {
        double sum = 0;
        for (int i = 0; i < 2; i++) sum += value(table, method, fusion, i, 3) - value(table, method, fusion, i, 6);
        return sum / 2;
    }

    private static double value(List<String[]> table, String method, String fusion, int subject, int column) {
        for (String[] r : table) if (r[0].equals(method) && r[1].equals(fusion) && r[2].equals("subject" + subject)) return Double.parseDouble(r[column]);
        throw new IllegalStateException("no row for " + method + " " + fusion + " subject" + subject);
    }

    private static void write(Setup s, List<String[]> table, double seconds) throws java.io.IOException {
        StringBuilder csv = new StringBuilder("method,fusion,subject,subject_fidelity,subject_fidelity_joint_scene,prompt_fidelity,other_subject_fidelity\n");
        for (String[] r : table) csv.append(String.join(",", r)).append('\n');
        SafetensorsWriter.writeText(s.out().resolve("fusion.csv"), csv.toString());
        StringBuilder md = new StringBuilder("# spectune compare --fusion\n\n");
        md.append(String.format(Locale.ROOT, "Two subjects (%s: a %s; %s: a %s) trained separately for %d steps (learning rates: %s), fused by sum and mean; %d image(s) per prompt; %.0f s.%n%n",
                IDENTIFIERS.get(0), SubjectViews.SUBJECTS.get(0).describe(), IDENTIFIERS.get(1), SubjectViews.SUBJECTS.get(1).describe(), s.steps(),
                s.rates().isEmpty() ? "train's defaults" : s.rates().toString(), s.imagesPerContext(), seconds));
        md.append("| method | fusion | subject | subject fidelity (own contexts) | subject fidelity (both in one scene) | prompt fidelity | other subject's fidelity (own contexts) |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (String[] r : table) md.append("| ").append(String.join(" | ", r[0], r[1], r[2], r[3], r[4].isEmpty() ? "—" : r[4], r[5], r[6])).append(" |\n");
        md.append("\nRetention — fused own-context subject fidelity over the single adapter's, mean over the two subjects:\n\n| method | sum | mean |\n|---|---|---|\n");
        for (String m : METHODS) md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f |%n", m, retention(table, m, "sum"), retention(table, m, "mean")));
        double spectral = retention(table, "spectral-a", "sum"), lora = retention(table, "lora", "sum");
        double apart = Math.min(separation(table, "spectral-a", "single"), separation(table, "lora", "single"));
        String verdict = apart < MARGIN ? String.format(Locale.ROOT, "is not tested (the single adapters' images are not told apart: their separation, below, is %.3f at least, "
                + "under %s, so a merge has no two concepts to blend or keep)", apart, MARGIN)
                : spectral > lora + MARGIN ? "holds" : lora > spectral + MARGIN ? "does not hold" : "is not decided (a difference within " + MARGIN + ")";
        md.append(String.format(Locale.ROOT, "%nThe paper's claim (spectral fusion keeps both concepts where LoRA's merge blends them) %s here: "
                + "Spectral A on disjoint column blocks keeps %.3f of its single-adapter subject fidelity under sum, LoRA %.3f.%n", verdict, spectral, lora));
        md.append("\nSeparation — own-subject minus other-subject fidelity in the subject's own contexts, mean over the two subjects "
                + "(a blend draws the other subject too, and lowers it):\n\n| method | single | sum | mean |\n|---|---|---|---|\n");
        for (String m : METHODS) md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", m, separation(table, m, "single"), separation(table, m, "sum"),
                separation(table, m, "mean")));
        double spectralSep = separation(table, "spectral-a", "sum"), loraSep = separation(table, "lora", "sum");
        String blend = spectralSep > loraSep + MARGIN ? "blends less than LoRA's" : loraSep > spectralSep + MARGIN ? "blends more than LoRA's" : "blends as much as LoRA's (a difference within " + MARGIN + ")";
        md.append(String.format(Locale.ROOT, "%nUnder sum, spectral fusion %s: separation %.3f against %.3f.%n", blend, spectralSep, loraSep));
        md.append("\nSubject fidelity compares an image's best-matching region with the subject's views (SubjectFidelity); in a scene with both subjects each is scored on its own.\n");
        SafetensorsWriter.writeText(s.out().resolve("fusion.md"), md.toString());
        System.out.print(md.substring(md.indexOf("Retention")));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
