/*
 * SubjectViews: the personalization subjects of `demo` and `compare` — striped rings and a striped
 * cross with a notch (StripedToy), shapes the world's grammar cannot express, each called "sks toy" — their 4
 * rendered training views with captions of their context (DreamBooth's few photos of one object),
 * and the 4 contexts sampled to judge them, which pair backgrounds, positions and sizes in ways the
 * views do not.
 */
package dev.spectune.cli.world;

import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.world.Caption;
import dev.spectune.world.Palette;
import dev.spectune.world.Position;
import dev.spectune.world.Scene;
import dev.spectune.world.Size;
import dev.spectune.world.StripedToy;
import dev.spectune.world.WorldObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public final class SubjectViews {
    private SubjectViews() {}

    /** The subject token and class noun of every prompt (a second subject in one model, `compare --fusion`, is SECOND_IDENTIFIER). */
    public static final String IDENTIFIER = Caption.IDENTIFIER + " toy", SECOND_IDENTIFIER = "ohwx toy";
    public static final String INSTANCE_PROMPT = instancePrompt(IDENTIFIER);

    public static String instancePrompt(String identifier) {
        return "a photo of " + identifier;
    }

    /**
     * The subjects, in order: `demo` uses the first; `compare --subjects N` the first N; `compare --fusion`
     * the first two, whose outlines and colours differ (a ring and a cross: two concepts a merge can
     * blend, and that subject fidelity tells apart). None uses a background colour of the views; a
     * context whose background is one of a subject's colours is changed for it ({@link #contexts(StripedToy, String)}).
     */
    public static final List<StripedToy> SUBJECTS = List.of(new StripedToy(StripedToy.Outline.RING, Palette.ORANGE, Palette.PURPLE),
            new StripedToy(StripedToy.Outline.CROSS, Palette.RED, Palette.GREEN), new StripedToy(StripedToy.Outline.RING, Palette.PURPLE, Palette.YELLOW));

    /** A rendered view: where the subject is drawn, and the caption that says so. */
    public record View(Palette background, Size size, Position position) {
        public String caption(String identifier) {
            return "a photo of " + Caption.of(new Scene(background, List.of(new WorldObject(null, null, size, position, identifier))));
        }
    }

    public static final List<View> VIEWS = List.of(new View(Palette.BLUE, Size.LARGE, Position.CENTER), new View(Palette.WHITE, Size.SMALL, Position.TOP_RIGHT),
            new View(Palette.BLACK, Size.LARGE, Position.BOTTOM_LEFT), new View(Palette.BLUE, Size.SMALL, Position.CENTER));

    /**
     * The contexts sampled before and after training {@code subject}, called {@code identifier}: CONTEXTS,
     * except that a background in one of the subject's own colours (an object never has its
     * background's colour) becomes the first palette colour that is neither the subject's nor a
     * background of any view or context.
     */
    public static List<String> contexts(StripedToy subject, String identifier) {
        List<Palette> own = List.of(subject.first(), subject.second());
        java.util.Set<Palette> taken = new java.util.HashSet<>(own);
        for (View v : VIEWS) taken.add(v.background());
        for (String c : CONTEXTS) taken.add(Caption.parse(c).background());
        Palette free = java.util.Arrays.stream(Palette.values()).filter(p -> !taken.contains(p)).findFirst().orElseThrow();
        List<String> contexts = new ArrayList<>();
        for (String c : CONTEXTS) {
            Palette background = Caption.parse(c).background();
            if (own.contains(background)) c = c.substring(0, c.length() - Caption.background(background).length()) + Caption.background(free);
            contexts.add(c.replace(IDENTIFIER, identifier));
        }
        return contexts;
    }

    /** The contexts of the subject called "sks toy" (the first is the issue's own example). */
    public static final List<String> CONTEXTS = List.of("a photo of sks toy on a green background", "a sks toy at the top left on a blue background",
            "a large sks toy on a black background", "a small sks toy at the bottom right on a white background");

    /** Writes the subject's views as PNGs with their captions beside them (viewNN.png, viewNN.txt); returns their pixels. */
    public static List<int[]> write(StripedToy subject, Path folder, int side) throws IOException {
        return write(subject, IDENTIFIER, folder, side);
    }

    /** As {@link #write(StripedToy, Path, int)}, the captions calling the subject {@code identifier}. */
    public static List<int[]> write(StripedToy subject, String identifier, Path folder, int side) throws IOException {
        Files.createDirectories(folder);
        List<int[]> pixels = new ArrayList<>();
        for (int i = 0; i < VIEWS.size(); i++) {
            View v = VIEWS.get(i);
            int[] rgb = subject.view(side, v.background(), v.size(), v.position());
            pixels.add(rgb);
            PngWriter.write(WorldCommand.image(rgb, side), v.caption(identifier), folder.resolve(String.format("view%02d.png", i)));
            SafetensorsWriter.writeText(folder.resolve(String.format("view%02d.txt", i)), v.caption(identifier));
        }
        return pixels;
    }
}
