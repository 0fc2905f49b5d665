/*
 * InspectCommand: `spectune inspect <file-or-folder>` — what a model file or folder holds: the
 * format detected, per component the tensor count, parameter count and dtypes, the structure
 * detected from the shapes, and with --keys every key and shape. --check verifies downloads
 * against "path bytes sha256" lines (as in sd15-config/WEIGHTS.txt).
 */
package dev.spectune.cli;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.Sha256;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.TextEncoderConfig;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.checkpoint.config.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a model file or folder holds (format, components, parameters, dtypes, keys).")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "PATH", description = "A diffusers folder, a component folder, or a .safetensors file.")
    Path path;

    @Option(names = "--keys", description = "List every key with its shape and dtype.")
    boolean keys;

    @Option(names = "--check", paramLabel = "WEIGHTS.txt", description = "Verify files against 'path bytes sha256' lines.")
    Path check;

    @Override
    public Integer call() throws IOException {
        if (check != null) return verify();
        try (Checkpoint c = Checkpoint.open(path)) {
            System.out.println(path);
            System.out.println("  format: " + c.format().description());
            long total = 0;
            int tensors = 0;
            for (Map.Entry<String, WeightSource> e : c.components().entrySet()) {
                WeightSource w = e.getValue();
                Map<String, Integer> dtypes = new TreeMap<>();
                for (String k : w.keys()) dtypes.merge(w.storedDtype(k), 1, Integer::sum);
                long params = w.parameterCount();
                total += params;
                tensors += w.keys().size();
                System.out.printf("  %-14s %6d tensors %,15d parameters  dtypes %s%n", e.getKey(), w.keys().size(), params, dtypes);
                String structure = describe(e.getKey(), w);
                if (!structure.isEmpty()) System.out.println("                 " + structure);
                if (keys) {
                    for (String k : w.keys()) System.out.printf("    %s %s %s%n", k, Arrays.toString(w.shape(k)), w.storedDtype(k));
                }
            }
            System.out.printf("  total          %6d tensors %,15d parameters%n", tensors, total);
        }
        return 0;
    }

    /** The structure detectFromWeights reads off the shapes, for the networks it knows. */
    private static String describe(String component, WeightSource w) {
        try {
            return switch (component) {
                case "unet" -> {
                    UNetConfig u = UNetConfig.detectFromWeights(w.shapes());
                    yield "detected: blocks " + u.blockOutChannels() + ", down " + u.downBlockTypes() + ", layers/block "
                            + u.layersPerBlock() + ", cross-attention dim " + u.crossAttentionDim()
                            + (u.useLinearProjection() ? ", linear projections" : ", conv projections");
                }
                case "vae" -> {
                    VaeConfig v = VaeConfig.detectFromWeights(w.shapes());
                    yield "detected: blocks " + v.blockOutChannels() + ", layers/block " + v.layersPerBlock() + ", latent channels " + v.latentChannels();
                }
                case "text_encoder" -> {
                    TextEncoderConfig t = TextEncoderConfig.detectFromWeights(w.shapes());
                    yield "detected: hidden " + t.hiddenSize() + ", layers " + t.numHiddenLayers() + ", vocab " + t.vocabSize()
                            + ", positions " + t.maxPositionEmbeddings();
                }
                default -> "";
            };
        } catch (RuntimeException e) {
            return "structure not recognised: " + e.getMessage();
        }
    }

    private int verify() throws IOException {
        if (!Files.isRegularFile(check)) throw new IllegalArgumentException(check + ": no such checksum file");
        List<String[]> lines = new ArrayList<>();
        for (String line : Files.readAllLines(check)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.equals("file bytes sha256")) continue;
            String[] parts = t.split("\\s+");
            if (parts.length != 3) throw new IllegalArgumentException(check + ": line '" + line + "' is not 'path bytes sha256'");
            lines.add(parts);
        }
        int verified = 0, failed = 0;
        for (String[] l : lines) {
            Path file = Files.isDirectory(path) ? path.resolve(l[0]) : (path.getFileName().toString().equals(Path.of(l[0]).getFileName().toString()) ? path : null);
            if (file == null) continue;
            if (!Files.isRegularFile(file)) {
                System.out.printf("absent    %s%n", l[0]);
                continue;
            }
            long size = Files.size(file);
            if (size != Long.parseLong(l[1])) {
                System.out.printf("MISMATCH  %s: %d bytes, expected %s%n", l[0], size, l[1]);
                failed++;
                continue;
            }
            String sha = Sha256.of(file);
            boolean ok = sha.equalsIgnoreCase(l[2]);
            System.out.printf("%-9s %s%s%n", ok ? "ok" : "MISMATCH", l[0], ok ? "" : ": sha256 " + sha + ", expected " + l[2]);
            if (ok) verified++; else failed++;
        }
        System.out.printf("check: %d verified, %d mismatched%n", verified, failed);
        if (verified + failed == 0) {
            System.err.println("spectune inspect: no file listed in " + check + " is present at " + path);
            return 1;
        }
        return failed == 0 ? 0 : 1;
    }
}
