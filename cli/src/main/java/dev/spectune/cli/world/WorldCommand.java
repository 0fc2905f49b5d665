/*
 * WorldCommand: `spectune world render` (the procedural world's scenes and captions, as the
 * pretraining data stream draws them) and `spectune world score` (a model's renders of prompts in
 * the world's grammar, scored from pixels: WorldAnalysis, PromptFidelity).
 */
package dev.spectune.cli.world;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.world.Caption;
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

@Command(name = "world", mixinStandardHelpOptions = true, subcommands = {WorldCommand.Render.class, WorldCommand.Score.class},
        description = "The procedural captioned world: render its scenes, score a model's images of its prompts.")
public final class WorldCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static BufferedImage image(int[] rgb, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, side, side, rgb, 0, side);
        return img;
    }

    static int[] pixels(BufferedImage img) {
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
            int cols = (int) Math.ceil(Math.sqrt(count)), rows = (count + cols - 1) / cols;
            BufferedImage grid = new BufferedImage(cols * side, rows * side, BufferedImage.TYPE_INT_RGB);
            StringBuilder captions = new StringBuilder();
            for (int i = 0; i < count; i++) {
                Scene s = WorldRenderer.randomScene(r, nameProbability, Set.of());
                WorldRenderer.Render render = WorldRenderer.render(s, side, r);
                BufferedImage img = image(render.rgb(), side);
                PngWriter.write(img, Caption.of(s), out.resolve(String.format("%04d.png", i)));
                grid.getGraphics().drawImage(img, (i % cols) * side, (i / cols) * side, null);
                captions.append(String.format("%04d.png\t%s%n", i, Caption.of(s)));
            }
            PngWriter.write(grid, null, out.resolve("grid.png"));
            SafetensorsWriter.writeText(out.resolve("captions.txt"), captions.toString());
            System.out.printf("wrote %d scenes (%dx%d) with captions to %s%n", count, side, side, out);
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Sample each prompt (one a line, in the world's grammar) with --seeds seeds and score the images from their pixels: scores.json, images/.")
    static final class Score implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "A diffusers pipeline folder (the embedded world model is not built yet).") Path model;
        @Option(names = "--prompts", required = true, description = "Prompts, one a line ('#' starts a comment).") Path prompts;
        @Option(names = "--seeds", defaultValue = "4") int seeds;
        @Option(names = "--steps", defaultValue = "25") int steps;
        @Option(names = "--guidance", defaultValue = "7.5") double guidance;
        @Option(names = "--resolution", description = "Image side (default: the UNet's sample size × the VAE's factor).") Integer resolution;
        @Option(names = "--out", defaultValue = "world-scores") Path out;

        @Override
        public Integer call() throws Exception {
            if (seeds < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            if (!Files.isRegularFile(prompts)) throw new IllegalArgumentException(prompts + ": no such prompts file");
            List<String> lines = new ArrayList<>();
            List<Scene> scenes = new ArrayList<>();
            int n = 0;
            for (String line : Files.readAllLines(prompts)) {
                n++;
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) continue;
                try {
                    scenes.add(Caption.parse(p));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(prompts + " line " + n + ": " + e.getMessage());
                }
                lines.add(p);
            }
            if (lines.isEmpty()) throw new IllegalArgumentException(prompts + ": no prompts");
            Nd4jRuntime.init();
            Map<String, int[]> overall = new LinkedHashMap<>();
            for (String a : PromptFidelity.ATTRIBUTES) overall.put(a, new int[2]);
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            var perPrompt = root.putArray("per_prompt");
            try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(model, null)) {
                int side = resolution != null ? resolution : pipe.defaultImageSide(64);
                for (int i = 0; i < lines.size(); i++) {
                    Map<String, int[]> mine = new LinkedHashMap<>();
                    for (String a : PromptFidelity.ATTRIBUTES) mine.put(a, new int[2]);
                    for (int s = 0; s < seeds; s++) {
                        GenerationRequest request = GenerationRequest.of(lines.get(i)).withSteps(steps).withGuidance(guidance).withSeed(s).withSize(side, side);
                        BufferedImage img = PngWriter.toImage(pipe.generate(request, (step, total, t) -> { }).images().slice(0));
                        PngWriter.write(img, lines.get(i), out.resolve("images").resolve(String.format("p%03d_s%d.png", i, s)));
                        PromptFidelity.Score score = PromptFidelity.score(scenes.get(i), WorldAnalysis.of(pixels(img), side));
                        for (var e : score.checks().entrySet()) {
                            for (Map<String, int[]> m : List.of(mine, overall)) {
                                m.get(e.getKey())[0] += e.getValue()[0];
                                m.get(e.getKey())[1] += e.getValue()[1];
                            }
                        }
                    }
                    ObjectNode row = perPrompt.addObject().put("prompt", lines.get(i)).put("seeds", seeds);
                    fractions(row, mine);
                    System.out.printf("%-70s prompt fidelity %.3f%n", lines.get(i), row.get("prompt_fidelity").asDouble());
                }
            }
            ObjectNode o = json.createObjectNode();
            fractions(o, overall);
            root.set("overall", o);
            root.put("model", model.toString()).put("seeds", seeds).put("steps", steps).put("guidance", guidance);
            SafetensorsWriter.writeText(out.resolve("scores.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            System.out.printf("overall prompt fidelity %.3f over %d prompts × %d seeds; %s%n", o.get("prompt_fidelity").asDouble(), lines.size(), seeds, out.resolve("scores.json"));
            return 0;
        }

        /** Each attribute's share of agreeing checks (null where none was counted) and prompt_fidelity, the share of all checks. */
        static void fractions(ObjectNode node, Map<String, int[]> checks) {
            int agree = 0, counted = 0;
            for (var e : checks.entrySet()) {
                if (e.getValue()[1] == 0) node.putNull(e.getKey());
                else node.put(e.getKey(), e.getValue()[0] / (double) e.getValue()[1]);
                agree += e.getValue()[0];
                counted += e.getValue()[1];
            }
            node.put("prompt_fidelity", counted == 0 ? 1.0 : agree / (double) counted);
        }
    }
}
