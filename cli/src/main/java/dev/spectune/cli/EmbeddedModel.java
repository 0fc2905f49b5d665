/*
 * EmbeddedModel: where the checkout keeps its embedded default model — the world model spectune
 * pretrained (models/world, a diffusers pipeline folder with its model card), the base of `demo`,
 * `world score` and `compare` when no --model is given. Found under $SPECTUNE_ROOT (set by
 * bin/spectune), the system property spectune.root, or the working folder.
 */
package dev.spectune.cli;

import java.nio.file.Files;
import java.nio.file.Path;

public final class EmbeddedModel {
    private EmbeddedModel() {}

    public static final String WORLD = "models/world";

    public static Path world() {
        String root = System.getenv("SPECTUNE_ROOT");
        if (root == null) root = System.getProperty("spectune.root", ".");
        Path p = Path.of(root).resolve(WORLD).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("model_index.json"))) {
            throw new IllegalArgumentException("the embedded world model is not in this checkout (" + p + " has no model_index.json): pass --model DIR");
        }
        return p;
    }
}
