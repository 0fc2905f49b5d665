/*
 * HeldOut: the colour–shape pairs the world model never sees in pretraining, and the quality
 * gate's prompts built from them — a test of composition (each colour and each shape is seen
 * often, only these combinations never), as text-to-image models are judged on attribute
 * binding (T2I-CompBench's colour binding; Huang et al. 2023). Each colour is held out with one
 * shape, each shape with two colours, so every word stays common in training.
 */
package dev.spectune.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

public final class HeldOut {
    private HeldOut() {}

    /** "colour shape", as randomScene's heldOut argument takes them. */
    public static final Set<String> PAIRS = Set.of("red star", "green triangle", "blue square", "yellow circle",
            "purple circle", "orange star", "white triangle", "black square");

    /**
     * {@code count} one-object prompts, each a held-out pair on a named background of another colour;
     * size and position are named in half of them. Cycles through the pairs in a fixed order, the rest
     * drawn from {@code seed}.
     */
    public static List<String> gatePrompts(int count, long seed) {
        List<String> pairs = PAIRS.stream().sorted().toList();
        Random random = new Random(seed);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String[] pair = pairs.get(i % pairs.size()).split(" ");
            Palette colour = Palette.ofWord(pair[0]);
            Shape shape = Shape.ofWord(pair[1]);
            Palette background;
            do background = Palette.values()[random.nextInt(Palette.values().length)]; while (background == colour);
            boolean detailed = (i / pairs.size()) % 2 == 1;
            Size size = detailed ? Size.values()[random.nextInt(Size.values().length)] : null;
            Position position = detailed ? Position.values()[random.nextInt(Position.values().length)] : null;
            prompts.add(Caption.of(new Scene(background, List.of(WorldObject.of(colour, shape, size, position)))));
        }
        return prompts;
    }
}
