/*
 * WorldCommand: `spectune world render` (the procedural world's scenes and captions, as the
 * pretraining data stream draws them) and `spectune world score` (a model's renders of prompts in
 * the world's grammar, scored from pixels: WorldAnalysis, PromptFidelity).
 */
package dev.spectune.cli.world;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.cli.EmbeddedModel;
import dev.spectune.world.Caption;
import dev.spectune.world.HeldOut;
import dev.spectune.world.PromptFidelity;
import dev.spectune.world.Scene;
import dev.spectune.world.WorldAnalysis;
import dev.spectune.world.WorldRenderer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "world", mixinStandardHelpOptions = true, subcommands = {WorldCommand.Render.class, WorldCommand.Score.class, PretrainCommand.class, ConditioningCommand.class},
        description = "The procedural captioned world: render its scenes, score a model's images of its prompts.")
public final class WorldCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static BufferedImage image(int[] rgb, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, side, side, rgb, 0, side);
        return img;
    }

    public static int[] pixels(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        if (w != h) throw new IllegalArgumentException("world images are square, got " + w + "x" + h);
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < rgb.length; i++) rgb[i] &= 0xFFFFFF;
        return rgb;
    }

    @Command(name = "render", mixinStandardHelpOptions = true, description = "Random scenes of the world with their captions: OUT/NNNN.png, OUT/captions.txt, OUT/grid.png.")
    static final class Render implements Callable<Integer> {
        @Option(names = "--count", defaultValue = "16") int count;
        @Option(names = "--side", defaultValue = "64", description = "Image side in pixels (default ${DEFAULT-VALUE}).") int side;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--name-probability", defaultValue = "0.5", description = "Chance that a caption names each size, position and the background (default ${DEFAULT-VALUE}).") double nameProbability;
        @Option(names = "--out", required = true) Path out;

        @Override
        public Integer call() throws Exception {
            if (count < 1) throw new IllegalArgumentException("--count must be >= 1, got " + count);
            if (nameProbability < 0 || nameProbability > 1) throw new IllegalArgumentException("--name-probability must be in [0, 1], got " + nameProbability);
            Random r = new Random(seed);
            List<BufferedImage> images = new ArrayList<>();
            StringBuilder captions = new StringBuilder();
            for (int i = 0; i < count; i++) {
                Scene s = WorldRenderer.randomScene(r, nameProbability, Set.of());
                WorldRenderer.Render render = WorldRenderer.render(s, side, r);
                BufferedImage img = image(render.rgb(), side);
                PngWriter.write(img, Caption.of(s), out.resolve(String.format("%04d.png", i)));
                images.add(img);
                captions.append(String.format("%04d.png\t%s%n", i, Caption.of(s)));
            }
            PngWriter.write(WorldSamples.grid(images, (int) Math.ceil(Math.sqrt(count))), null, out.resolve("grid.png"));
            SafetensorsWriter.writeText(out.resolve("captions.txt"), captions.toString());
            System.out.printf("wrote %d scenes (%dx%d) with captions to %s%n", count, side, side, out);
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Sample each prompt (one a line, in the world's grammar) with --seeds seeds and score the images from their pixels: scores.json, images/, grid.png (a prompt a row). "
                    + "--gate instead samples the quality gate's prompts (colour-shape pairs held out of pretraining) and checks its thresholds.")
    static final class Score implements Callable<Integer> {
        @Option(names = "--model", description = "A diffusers pipeline folder (default: the embedded world model, " + EmbeddedModel.WORLD + ").") Path model;
        @Option(names = "--prompts", description = "Prompts, one a line ('#' starts a comment).") Path prompts;
        @Option(names = "--gate", description = "Score the quality gate: --gate-prompts prompts of held-out colour-shape pairs; exit 1 if a threshold is missed.") boolean gate;
        @Option(names = "--gate-prompts", defaultValue = "64") int gatePrompts;
        @Option(names = "--seeds", defaultValue = "4", description = "Images per prompt: one batch from seed 0 (default ${DEFAULT-VALUE}).") int seeds;
        @picocli.CommandLine.Mixin SamplingOptions sampling;
        @Option(names = "--resolution", description = "Image side (default: the UNet's sample size × the VAE's factor).") Integer resolution;
        @Option(names = "--out", defaultValue = "world-scores") Path out;

        /** The gate's thresholds (issue: background ≥ 90%, object colour ≥ 85%, shape ≥ 80% on held-out pairs). */
        static final Map<String, Double> GATE = new LinkedHashMap<>(Map.of("background_colour", 0.90, "object_colour", 0.85, "shape", 0.80));

        @Override
        public Integer call() throws Exception {
            if (seeds < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            if (gate == (prompts != null)) throw new IllegalArgumentException("give either --prompts FILE or --gate");
            List<String> lines = gate ? HeldOut.gatePrompts(gatePrompts, 0) : promptLines(prompts);
            Path modelDir = model != null ? model : EmbeddedModel.world();
            Nd4jRuntime.init();
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            var perPrompt = root.putArray("per_prompt");
            List<WorldSamples.Sample> all = new ArrayList<>();
            long start = System.nanoTime();
            String sampler;
            try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(modelDir, null)) {
                WorldSamples.Sampling how = sampling.at(resolution != null ? resolution : pipe.defaultImageSide(64));     // checks --scheduler first
                sampler = sampling.schedulerClass(pipe);                                                       // diffusers' class name
                all.addAll(WorldSamples.sample(pipe, lines, seeds, how, out.resolve("images"), ""));
                for (int i = 0; i < lines.size(); i++) {
                    List<WorldSamples.Sample> mine = all.subList(i * seeds, (i + 1) * seeds);
                    ObjectNode row = perPrompt.addObject().put("prompt", lines.get(i)).put("seeds", seeds);
                    fractions(row, WorldSamples.checks(mine));
                    System.out.printf("%-70s prompt fidelity %.3f%n", lines.get(i), row.get("prompt_fidelity").asDouble());
                }
            }
            ObjectNode o = json.createObjectNode();
            Map<String, int[]> overall = WorldSamples.checks(all);
            fractions(o, overall);
            root.set("overall", o);
            root.put("model", modelDir.toString()).put("seeds", seeds).put("scheduler", sampler).put("steps", sampling.steps).put("guidance", sampling.guidance).put("seconds", (System.nanoTime() - start) / 1e9);
            boolean passed = true;
            if (gate) {
                ObjectNode g = root.putObject("gate");
                for (var e : GATE.entrySet()) {
                    double v = WorldSamples.share(overall, e.getKey());
                    boolean ok = v >= e.getValue();
                    passed &= ok;
                    g.putObject(e.getKey()).put("value", v).put("threshold", e.getValue()).put("passed", ok);
                    System.out.printf("gate %-18s %.3f (threshold %.2f) %s%n", e.getKey(), v, e.getValue(), ok ? "passed" : "MISSED");
                }
                g.put("passed", passed);
            }
            SafetensorsWriter.writeText(out.resolve("scores.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            PngWriter.write(WorldSamples.grid(all.stream().map(WorldSamples.Sample::image).toList(), seeds), null, out.resolve("grid.png"));   // a prompt a row
            System.out.printf("overall prompt fidelity %.3f over %d prompts × %d seeds; %s%n", o.get("prompt_fidelity").asDouble(), lines.size(), seeds, out.resolve("scores.json"));
            return passed ? 0 : 1;
        }

        /** The prompt lines of a file (blank lines and '#' comments skipped), each checked against the grammar, naming its line. */
        static List<String> promptLines(Path file) throws java.io.IOException {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such prompts file");
            List<String> lines = new ArrayList<>();
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                n++;
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) continue;
                try {
                    WorldSamples.parse(p);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + n + ": " + e.getMessage());
                }
                lines.add(p);
            }
            if (lines.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
            return lines;
        }

        /** Each attribute's share of agreeing checks (null where none was counted) and prompt_fidelity, the share of all checks. */
        static void fractions(ObjectNode node, Map<String, int[]> checks) {
            for (var e : checks.entrySet()) {
                if (e.getValue()[1] == 0) node.putNull(e.getKey());
                else node.put(e.getKey(), e.getValue()[0] / (double) e.getValue()[1]);
            }
            node.put("prompt_fidelity", WorldSamples.promptFidelity(checks));
        }
    }
}
