/*
 * CompareCommand: `spectune compare` — the SODA, OFT and DreamBooth papers' comparison in
 * miniature on the world model: subjects × methods × settings × seeds, each a DreamBooth training
 * on the subject's views (run through the sweep engine: the plan is written as OUT/plan.yaml and
 * `sweep` runs it into OUT/sweep), then each adapter's images of the subject's contexts, scored from
 * their pixels — subject fidelity against the views, prompt fidelity of what the context names,
 * diversity — the trade-off the papers plot (subject fidelity against prompt fidelity).
 *
 * Settings: "default" (each method's own defaults, METHOD_DEFAULTS) and "equal" (the rank whose
 * parameter count is nearest SODA-SVD's; where no rank on every target comes within ±10%, a rank
 * on all but the fewest attention modules that does; a method without a rank is left out of it). Writes compare.csv, compare.md, compare.png. With --fusion, the Spectral
 * Adapter paper's fusion experiment instead (FusionComparison).
 */
package dev.spectune.cli.world;

import dev.spectune.adapters.AdapterFlags;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.cli.EmbeddedModel;
import dev.spectune.cli.MergedAdapters;
import dev.spectune.cli.sweep.SweepCommand;
import dev.spectune.cli.sweep.SweepEngine;
import dev.spectune.cli.sweep.SweepPlan;
import dev.spectune.cli.sweep.SweepResults;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "The papers' comparison in miniature on the world model: methods × settings × subjects × seeds, scored by subject and prompt fidelity: "
                + "OUT/compare.csv, compare.md, compare.png (trainings through the sweep engine: OUT/plan.yaml, OUT/sweep).")
public final class CompareCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Base model (default: the embedded world model).") Path model;
    @Option(names = "--out", required = true) Path out;
    @Option(names = "--methods", split = ",", description = "Methods (default: ${DEFAULT-VALUE}).",
            defaultValue = "soda-svd,soda-qr,spectral-a,spectral-r,lora,oft,svdiff,dora,vera,lidb,full") List<String> methods;
    @Option(names = "--settings", split = ",", defaultValue = "default,equal", description = "default (each method's own) and/or equal (parameters within ±10% of SODA-SVD's).") List<String> settings;
    @Option(names = "--subjects", defaultValue = "1", description = "How many of the striped-ring subjects (1 to 3; default ${DEFAULT-VALUE}).") int subjects;
    @Option(names = "--seeds", defaultValue = "1", description = "Training seeds per run (default ${DEFAULT-VALUE}).") int seeds;
    @Option(names = "--steps", defaultValue = "100", description = "Training steps per run (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--images-per-context", defaultValue = "2") int imagesPerContext;
    @Option(names = "--lr", description = "Learning rate of every method's Euclidean parameters (default: train's, 1e-3; full fine-tuning's own 1e-4 stays).") Double lr;
    @Option(names = "--stiefel-lr", description = "Learning rate of Stiefel factors (default: train's, 5e-3).") Double stiefelLr;
    @picocli.CommandLine.Mixin SamplingOptions samplingOptions;
    @Option(names = "--engine", defaultValue = "local") String engine;
    @Option(names = "--parallel", defaultValue = "0") int parallel;
    @Option(names = "--fusion", description = "Instead: the Spectral Adapter paper's fusion result — two subjects trained apart (Spectral A on column blocks 0 and 1, LoRA, SODA-SVD), "
            + "fused by sum and mean: OUT/fusion.csv, fusion.md.") boolean fusion;

    /** Each method's default settings in this comparison and where they come from (flags beyond `train`'s defaults, and the source). */
    record MethodDefaults(Map<String, String> flags, String source) {}

    static final Map<String, MethodDefaults> METHOD_DEFAULTS = new LinkedHashMap<>();
    static {
        METHOD_DEFAULTS.put("soda-svd", new MethodDefaults(Map.of(), "SODA: spectrum δ (ReLU) and Kronecker rotations, 3 factors, input side: spectune's AdapterFlags defaults for SODA (authors' code not checked here)"));
        METHOD_DEFAULTS.put("soda-qr", new MethodDefaults(Map.of(), "SODA's LQ/QR variant, same defaults as soda-svd"));
        METHOD_DEFAULTS.put("spectral-a", new MethodDefaults(Map.of(), "Spectral Adapter (Zhang & Pilanci 2024), additive, top-r with r = 4: spectune default"));
        METHOD_DEFAULTS.put("spectral-r", new MethodDefaults(Map.of(), "Spectral Adapter, rotational (Cayley), r = 4: spectune default"));
        METHOD_DEFAULTS.put("lora", new MethodDefaults(Map.of(), "rank 4, α = r: diffusers' train_dreambooth_lora.py default --rank 4"));
        METHOD_DEFAULTS.put("oft", new MethodDefaults(Map.of(), "r = 4 blocks, Cayley–Neumann 5 terms: spectune default (peft 0.17 parametrisation)"));
        METHOD_DEFAULTS.put("svdiff", new MethodDefaults(Map.of(), "every singular value shifted (Han et al. 2023, SVDiff): no rank"));
        METHOD_DEFAULTS.put("dora", new MethodDefaults(Map.of(), "rank 4 as LoRA (peft's use_dora on LoRA's defaults)"));
        METHOD_DEFAULTS.put("vera", new MethodDefaults(Map.of(), "r = 4, d0 = 0.1: spectune default (the VeRA paper uses far larger r on LLMs)"));
        METHOD_DEFAULTS.put("lidb", new MethodDefaults(Map.of(), "r = 1, a = 100, b = 50: HyperDreamBooth's Lightweight DreamBooth (Ruiz et al. 2024)"));
        METHOD_DEFAULTS.put("full", new MethodDefaults(Map.of("lr", "1e-4"), "every targeted weight (DreamBooth's full fine-tuning); lr 1e-4: diffusers' train_dreambooth.py uses 5e-6 for "
                + "thousands of steps at SD scale, raised for " + "this run length"));
    }

    /** The image side of the model, and its UNet's attention projections (the methods' targets) with their shapes [out, in]. */
    private record Model(int side, Map<String, long[]> targets) {}

    @Override
    public Integer call() throws Exception {
        if (subjects < 1 || subjects > SubjectViews.SUBJECTS.size()) throw new IllegalArgumentException("--subjects must be 1 to " + SubjectViews.SUBJECTS.size() + ", got " + subjects);
        if (seeds < 1 || steps < 1 || imagesPerContext < 1) throw new IllegalArgumentException("--seeds, --steps and --images-per-context must be >= 1");
        if (lr != null && !(lr > 0) || stiefelLr != null && !(stiefelLr > 0)) throw new IllegalArgumentException("--lr and --stiefel-lr must be > 0, got " + lr + " and " + stiefelLr);
        Map<String, String> rates = new LinkedHashMap<>();                                        // the trainings' common learning rates, where given
        if (lr != null) rates.put("lr", Double.toString(lr));
        if (stiefelLr != null) rates.put("stiefel-lr", Double.toString(stiefelLr));
        for (String m : methods) if (!METHOD_DEFAULTS.containsKey(m)) throw new IllegalArgumentException("--methods: '" + m + "' is not compared (choose from " + METHOD_DEFAULTS.keySet() + ")");
        for (String s : settings) if (!s.equals("default") && !s.equals("equal")) throw new IllegalArgumentException("--settings: expected default or equal, got " + s);
        SweepEngine sweepEngine = SweepEngine.named(engine).orElseThrow(() -> new IllegalArgumentException("--engine " + engine + ": unknown or not on the classpath"));
        Path base = (model != null ? model : EmbeddedModel.world()).toAbsolutePath();
        Nd4jRuntime.init();
        long start = System.nanoTime();
        Model m = model(base);
        if (fusion) {
            FusionComparison.run(new FusionComparison.Setup(base, m.side(), steps, imagesPerContext, samplingOptions.at(m.side()),
                    rates, sweepEngine, parallel, out));
            System.out.printf("compare --fusion: %.0f s; %s%n", (System.nanoTime() - start) / 1e9, out.resolve("fusion.md"));
            return 0;
        }

        // The plan: one run per subject × method × setting × seed.
        List<Map<String, String>> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>(), atBudget = new ArrayList<>();
        long sodaParams = parameters(m, "soda-svd", null);
        Map<String, EqualBudget> equal = new LinkedHashMap<>();                                  // per method, whatever the subject (absent: no equal run)
        if (settings.contains("equal")) {
            for (String method : methods) {
                EqualBudget e = equalBudget(m, method, sodaParams, skipped, atBudget);
                if (e != null) equal.put(method, e);
            }
        }
        for (int s = 0; s < subjects; s++) {
            Path views = out.toAbsolutePath().resolve("subjects").resolve("subject" + s);
            SubjectViews.write(SubjectViews.SUBJECTS.get(s), views, m.side());
            for (String method : methods) {
                for (String setting : settings) {
                    EqualBudget e = setting.equals("equal") ? equal.get(method) : null;
                    if (setting.equals("equal") && e == null) continue;
                    for (int seed = 0; seed < seeds; seed++) {
                        Map<String, String> run = new LinkedHashMap<>();
                        run.put("method", method);
                        run.put("images", views.toString());
                        run.put("seed", Integer.toString(seed));
                        if (e != null) run.put("rank", Integer.toString(e.rank()));
                        if (e != null && !e.leftOut().isEmpty()) run.put("targets", e.targets());
                        run.putAll(METHOD_DEFAULTS.get(method).flags());
                        runs.add(run);
                    }
                }
            }
        }
        Map<String, String> common = new LinkedHashMap<>();
        common.put("model", base.toString());
        common.put("prompt", SubjectViews.INSTANCE_PROMPT);
        common.put("steps", Integer.toString(steps));
        common.put("resolution", Integer.toString(m.side()));
        common.put("checkpoint-every", Integer.toString(Math.max(1, steps / 2)));
        common.putAll(rates);
        Path planFile = writePlan(out.resolve("plan.yaml"), common, runs);
        List<SweepResults.Row> rows = SweepCommand.execute(SweepPlan.read(planFile), planFile.toString(), out.resolve("sweep"), sweepEngine,
                new SweepEngine.Options(parallel, "local[2,2]", false));

        // Each finished run's images of its subject's contexts, scored.
        List<String[]> table = new ArrayList<>();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(base, null)) {
            WorldSamples.Sampling sampling = samplingOptions.at(m.side());
            for (SweepResults.Row r : rows) {
                if (r.state() != SweepResults.State.FINISHED) {
                    System.out.printf("  %s %s: %s — left out%n", r.id(), r.settings().get("method"), r.error());
                    continue;
                }
                int subject = Integer.parseInt(Path.of(r.settings().get("images")).getFileName().toString().substring("subject".length()));
                String setting = r.settings().containsKey("rank") ? "equal" : "default";
                List<int[]> references = SubjectViews.write(SubjectViews.SUBJECTS.get(subject), out.resolve("subjects").resolve("subject" + subject), m.side());
                MergedAdapters.into(pipe, List.of(SweepEngine.folder(out.resolve("sweep"), r.id()).resolve("adapter")), List.of(1.0));
                List<WorldSamples.Sample> samples = WorldSamples.sample(pipe, SubjectViews.contexts(SubjectViews.SUBJECTS.get(subject), SubjectViews.IDENTIFIER), imagesPerContext, sampling,
                        out.resolve("images").resolve(r.id()), "");
                table.add(new String[] {r.settings().get("method"), setting, r.results().getOrDefault("trainable_parameters", ""), "subject" + subject,
                        fmt(WorldSamples.subjectFidelity(samples, references)), fmt(WorldSamples.promptFidelity(WorldSamples.checks(samples))),
                        fmt(WorldSamples.diversity(samples)), r.results().getOrDefault("ms_per_step", ""), r.settings().get("seed"), r.id()});
                System.out.printf("  %-10s %-7s subject fidelity %s  prompt fidelity %s%n", r.settings().get("method"), setting, table.getLast()[4], table.getLast()[5]);
            }
        }
        writeResults(table, equal, skipped, atBudget, sodaParams, (System.nanoTime() - start) / 1e9);
        System.out.printf("compare: %d runs scored in %.0f s; %s%n", table.size(), (System.nanoTime() - start) / 1e9, out.resolve("compare.md"));
        return table.size() == rows.size() ? 0 : 1;
    }

    private static Model model(Path base) throws Exception {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(base, null)) {
            Map<String, long[]> targets = new LinkedHashMap<>();
            Pattern p = AdapterInjector.UNET_ATTENTION;
            var unet = pipe.component("unet");
            for (String k : unet.keys()) {
                long[] s = unet.shape(k);
                if (p.matcher(k).matches() && s.length == 2) targets.put(k, s);
            }
            return new Model(pipe.defaultImageSide(64), targets);
        }
    }

    /** A method's trainable parameters on the model's targets at a rank (null: its default). */
    private static long parameters(Model m, String method, Integer rank) {
        long total = 0;
        for (var e : m.targets().entrySet()) total += parameters(method, rank, e.getKey(), e.getValue());
        return total;
    }

    /** A method's trainable parameters on one target of shape [out, in] at a rank (null: its default). */
    private static long parameters(String method, Integer rank, String key, long[] shape) {
        AdapterSpec spec = AdapterSpec.of(method, rank == null ? AdapterFlags.defaults() : AdapterFlags.defaults().withRank(rank), 0);
        return spec.parameters(key, shape[0], shape[1]);
    }

    /** An equal-budget setting: a rank, the attention modules it leaves out (none: every target, as the default), and its parameters. */
    record EqualBudget(int rank, List<String> leftOut, long parameters) {
        /** The UNet targets regex of this setting. */
        String targets() {
            return leaving(leftOut);
        }

        String describe() {
            return "rank " + rank + (leftOut.isEmpty() ? "" : " without " + String.join(", ", leftOut)) + ", " + parameters + " parameters";
        }
    }

    /** The attention module of a target key: the key up to its attention block, e.g. "mid_block…transformer_blocks.0.attn2". */
    private static String module(String key) {
        return key.substring(0, key.indexOf(".attn") + ".attn1".length());
    }

    /**
     * The setting that brings {@code method} within ±10% of {@code target} parameters, or null: none
     * exists (noted in {@code skipped}), or the method's default already is it (noted in
     * {@code atBudget}; its default run stands for both settings rather than training it twice).
     * First the rank nearest the target on every target; where no rank comes within ±10% (LoRA's
     * rank 1 can already be over), the rank and set of attention modules (attn1 or attn2 of a
     * transformer block) that keep the most modules within ±10%, then come nearest the target —
     * rank per block as kohya's block_dims sets it, with blocks at rank 0 left out.
     */
    private static EqualBudget equalBudget(Model m, String method, long target, List<String> skipped, List<String> atBudget) {
        if (method.equals("soda-svd")) return null;                                              // SODA-SVD is the budget: its default row stands for it
        if (method.equals("svdiff") || method.equals("full") || method.equals("soda-qr")) {
            skipped.add(method + ": no rank to set (" + parameters(m, method, null) + " parameters)");
            return null;
        }
        List<String> modules = m.targets().keySet().stream().map(CompareCommand::module).distinct().toList();
        EqualBudget best = null;
        for (int r = 1; r <= 64; r++) {
            long[] cost = new long[modules.size()];                                               // [modules] this rank's parameters per attention module
            try {
                for (var e : m.targets().entrySet()) cost[modules.indexOf(module(e.getKey()))] += parameters(method, r, e.getKey(), e.getValue());
            } catch (IllegalArgumentException notThisRank) {                                       // e.g. OFT blocks that do not divide a layer
                continue;
            }
            long all = java.util.Arrays.stream(cost).sum();
            if (Math.abs(all - target) <= 0.1 * target) {
                if (best == null || !best.leftOut().isEmpty() || Math.abs(all - target) < Math.abs(best.parameters() - target)) best = new EqualBudget(r, List.of(), all);
                continue;
            }
            if (best != null && best.leftOut().isEmpty() || modules.size() > 20) continue;         // a rank on every target beats any subset; 2^20 subsets at most
            for (int mask = 1; mask < (1 << modules.size()); mask++) {                             // mask: the modules adapted
                long sum = 0;
                for (int i = 0; i < modules.size(); i++) if ((mask & (1 << i)) != 0) sum += cost[i];
                if (Math.abs(sum - target) > 0.1 * target) continue;
                int kept = Integer.bitCount(mask), bestKept = best == null ? -1 : modules.size() - best.leftOut().size();
                if (kept > bestKept || kept == bestKept && Math.abs(sum - target) < Math.abs(best.parameters() - target)) {
                    List<String> leftOut = new ArrayList<>();
                    for (int i = 0; i < modules.size(); i++) if ((mask & (1 << i)) == 0) leftOut.add(modules.get(i));
                    best = new EqualBudget(r, leftOut, sum);
                }
            }
        }
        if (best == null) {
            skipped.add(method + ": no rank within ±10% of " + target + ", on every target or on a subset of the attention modules");
            return null;
        }
        if (best.leftOut().isEmpty() && best.parameters() == parameters(m, method, null)) {
            atBudget.add(method + " (" + best.describe() + ")");
            return null;
        }
        return best;
    }

    /** The UNet targets regex without the attention modules {@code leftOut}. */
    public static String leaving(List<String> leftOut) {
        String pattern = AdapterInjector.UNET_ATTENTION.pattern();
        if (leftOut.isEmpty()) return pattern;
        return "(?!(?:" + String.join("|", leftOut.stream().map(CompareCommand::literal).toList()) + ")\\.)" + pattern;
    }

    private static String literal(String s) {
        return s.replace(".", "\\.");
    }

    /** Writes a sweep plan: the common settings and one entry per run (every value quoted); returns the file. */
    static Path writePlan(Path file, Map<String, String> settings, List<Map<String, String>> runs) throws java.io.IOException {
        StringBuilder y = new StringBuilder("# written by spectune compare; `spectune sweep --plan " + file.getFileName() + " --out DIR` reruns the trainings\nsettings:\n");
        settings.forEach((k, v) -> y.append("  ").append(k).append(": ").append(quote(v)).append('\n'));
        y.append("runs:\n");
        for (Map<String, String> r : runs) {
            y.append("  - {");
            int i = 0;
            for (var e : r.entrySet()) y.append(i++ == 0 ? "" : ", ").append(e.getKey()).append(": ").append(quote(e.getValue()));
            y.append("}\n");
        }
        y.append("threads: 1\nmemory_gib: 3\nscore: final_loss\n");
        SafetensorsWriter.writeText(file, y.toString());
        return file;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static final String HEADER = "method,setting,parameters,subject,subject_fidelity,prompt_fidelity,diversity,ms_per_step,seed,run";

    private void writeResults(List<String[]> table, Map<String, EqualBudget> equal, List<String> skipped, List<String> atBudget, long sodaParams, double seconds)
            throws java.io.IOException {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (String[] row : table) csv.append(String.join(",", row)).append('\n');
        SafetensorsWriter.writeText(out.resolve("compare.csv"), csv.toString());

        Map<String, List<String[]>> groups = new LinkedHashMap<>();
        for (String[] row : table) groups.computeIfAbsent(row[0] + "|" + row[1], k -> new ArrayList<>()).add(row);
        StringBuilder md = new StringBuilder("# spectune compare\n\n");
        md.append(String.format(Locale.ROOT, "%d subject(s) × %d context(s) × %d image(s) each; %d training steps; %d seed(s); equal budget: SODA-SVD's %,d parameters ±10%%; %.0f s.%n%n",
                subjects, SubjectViews.CONTEXTS.size(), imagesPerContext, steps, seeds, sodaParams, seconds));
        md.append("| method | setting | parameters | subject fidelity | prompt fidelity | diversity | ms/step | runs |\n|---|---|---|---|---|---|---|---|\n");
        for (var e : groups.entrySet()) {
            List<String[]> g = e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %d |%n", g.getFirst()[0], g.getFirst()[1], g.getFirst()[2], meanStd(g, 4), meanStd(g, 5),
                    meanStd(g, 6), meanStd(g, 7), g.size()));
        }
        md.append("\nmean ± sample std over runs (subjects × seeds). Contexts: ").append(String.join("; ", SubjectViews.CONTEXTS)).append(".\n");
        for (int s = 1; s < subjects; s++) {
            List<String> own = SubjectViews.contexts(SubjectViews.SUBJECTS.get(s), SubjectViews.IDENTIFIER);
            if (!own.equals(SubjectViews.CONTEXTS)) md.append("Subject ").append(s).append(" (its own colour is a context's background): ").append(String.join("; ", own)).append(".\n");
        }
        md.append('\n');
        if (settings.contains("equal")) {
            md.append("At the equal budget by default, so their default row stands for it (as SODA-SVD's does): ")
                    .append(String.join("; ", java.util.stream.Stream.concat(java.util.stream.Stream.of("soda-svd"), atBudget.stream()).toList())).append(".\n\n");
        }
        if (!equal.isEmpty()) {
            md.append("Equal budget settings: ").append(String.join("; ", equal.entrySet().stream().map(x -> x.getKey() + " " + x.getValue().describe()).toList()))
                    .append(". Where no rank on every target comes within ±10%, attention modules are left out (rank 0 there, as kohya's block_dims allows): "
                            + "as few as can be, then the count nearest SODA-SVD's.\n\n");
        }
        if (!skipped.isEmpty()) md.append("Left out of the equal budget: ").append(String.join("; ", skipped)).append(".\n\n");
        md.append("Each method's default settings:\n\n");
        for (String method : methods) md.append("- ").append(method).append(": ").append(METHOD_DEFAULTS.get(method).source()).append('\n');
        md.append(lr == null && stiefelLr == null ? "\nLearning rates are `train`'s defaults (AdamW 1e-3, Stiefel 5e-3) unless listed.\n"
                : "\nLearning rates: AdamW " + (lr == null ? "1e-3" : lr) + ", Stiefel " + (stiefelLr == null ? "5e-3" : stiefelLr) + " (--lr, --stiefel-lr) unless listed.\n");
        SafetensorsWriter.writeText(out.resolve("compare.md"), md.toString());

        XYChart chart = new XYChartBuilder().width(800).height(600).title("subject fidelity against prompt fidelity").xAxisTitle("prompt fidelity")
                .yAxisTitle("subject fidelity").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (var e : groups.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(r -> Double.parseDouble(r[5])).toArray();
            double[] y = e.getValue().stream().mapToDouble(r -> Double.parseDouble(r[4])).toArray();
            chart.addSeries(e.getKey().replace('|', ' '), x, y);
        }
        Path png = out.resolve(".compare.png.tmp");
        BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        Files.move(Path.of(png.toString().replaceAll("\\.png$", "") + ".png"), out.resolve("compare.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String meanStd(List<String[]> rows, int column) {
        double[] v = rows.stream().filter(r -> !r[column].isEmpty()).mapToDouble(r -> Double.parseDouble(r[column])).toArray();
        if (v.length == 0) return "";
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        if (v.length == 1) return String.format(Locale.ROOT, "%.3f", mean);
        double var = java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
        return String.format(Locale.ROOT, "%.3f ± %.3f", mean, Math.sqrt(var));
    }
}
