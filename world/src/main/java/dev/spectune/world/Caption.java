/*
 * Caption: the world's grammar, both ways — the caption of a scene, and the scene a prompt
 * describes (refused, naming the word, when it is not in the grammar):
 *
 *   caption    := ["a photo of"] object [background] ["and" object] [background]   (one background at most)
 *   object     := article [size] (colour shape | identifier noun) ["at the" position]
 *   background := "on" article colour "background"
 *   article    := "a" | "an"      (optional right after "a photo of")
 *   size       := small | large
 *   colour     := red | green | blue | yellow | purple | orange | white | black
 *   shape      := circle | square | triangle | star
 *   position   := top left | top right | bottom left | bottom right | center
 *
 * e.g. "a red circle on a blue background", "a small green square at the top left and a yellow
 * triangle", "a photo of sks toy on a green background" (identifier "sks", any noun after it).
 * Captions are written as "object on background [and object]", with "an" before a vowel.
 */
package dev.spectune.world;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public final class Caption {
    private Caption() {}

    /** The subject identifier personalization prompts use unless told otherwise (DreamBooth's rare token). */
    public static final String IDENTIFIER = "sks";

    /** Every word the grammar knows (without subject nouns), for tokenizer checks. */
    public static List<String> vocabulary() {
        List<String> words = new ArrayList<>(List.of("a", "an", "photo", "of", "on", "background", "and", "at", "the", "top", "bottom", "left", "right", "center"));
        for (Size s : Size.values()) words.add(s.word());
        for (Palette p : Palette.values()) words.add(p.word());
        for (Shape s : Shape.values()) words.add(s.word());
        return words;
    }

    public static String of(Scene scene) {
        StringBuilder sb = new StringBuilder(object(scene.objects().getFirst()));
        if (scene.background() != null) sb.append(" on ").append(background(scene.background()));
        if (scene.objects().size() == 2) sb.append(" and ").append(object(scene.objects().get(1)));
        return sb.toString();
    }

    /** A caption's background phrase without "on": "a green background", "an orange background". */
    public static String background(Palette colour) {
        return article(colour.word()) + " " + colour.word() + " background";
    }

    private static String object(WorldObject o) {
        String first = o.size() != null ? o.size().word() : o.isSubject() ? o.subject() : o.colour().word();
        StringBuilder sb = new StringBuilder(article(first)).append(' ');
        if (o.size() != null) sb.append(o.size().word()).append(' ');
        sb.append(o.isSubject() ? o.subject() : o.colour().word() + " " + o.shape().word());
        if (o.position() != null) sb.append(" at the ").append(o.position().words);
        return sb.toString();
    }

    private static String article(String next) {
        return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a";
    }

    public static Scene parse(String prompt) {
        return parse(prompt, Set.of(IDENTIFIER));
    }

    /** @param identifiers the subject tokens the prompt may use in place of "colour shape" */
    public static Scene parse(String prompt, Set<String> identifiers) {
        return new Parser(prompt, identifiers).caption();
    }

    private static final class Parser {
        private final String prompt;
        private final List<String> w;
        private final Set<String> identifiers;
        private int i;

        Parser(String prompt, Set<String> identifiers) {
            this.prompt = prompt;
            this.w = Arrays.stream(prompt.toLowerCase(Locale.ROOT).replaceAll("[.,!]", " ").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
            this.identifiers = identifiers;
        }

        Scene caption() {
            if (w.isEmpty()) throw new IllegalArgumentException("prompt '" + prompt + "' is empty");
            boolean photo = w.size() >= 3 && w.get(0).equals("a") && w.get(1).equals("photo") && w.get(2).equals("of");
            if (photo) i = 3;
            List<WorldObject> objects = new ArrayList<>();
            objects.add(object(photo));
            Palette background = background();
            if (at("and")) {
                i++;
                objects.add(object(false));
                if (background == null) background = background();
            }
            if (i < w.size()) throw unexpected("'and' another object or 'on' a background, or the end");
            try {
                return new Scene(background, objects);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("prompt '" + prompt + "': " + e.getMessage());
            }
        }

        private boolean at(String word) {
            return i < w.size() && w.get(i).equals(word);
        }

        private String next(String expected) {
            if (i >= w.size()) throw new IllegalArgumentException("prompt '" + prompt + "' ends where " + expected + " was expected");
            return w.get(i++);
        }

        private IllegalArgumentException unexpected(String expected) {
            return new IllegalArgumentException("prompt '" + prompt + "': '" + w.get(i) + "' is not in the world's grammar here (expected " + expected + ")");
        }

        private WorldObject object(boolean articleOptional) {
            if (at("a") || at("an")) i++;
            else if (!articleOptional) throw i < w.size() ? unexpected("'a' or 'an'") : new IllegalArgumentException("prompt '" + prompt + "' ends where an object was expected");
            Size size = null;
            if (i < w.size() && Size.ofWord(w.get(i)) != null) size = Size.ofWord(w.get(i++));
            if (i < w.size() && identifiers.contains(w.get(i))) {
                String id = w.get(i++);
                String noun = next("a class noun after '" + id + "'");
                if (!noun.matches("[a-z]+") || isGrammarWord(noun)) {
                    i--;
                    throw unexpected("a class noun after '" + id + "'");
                }
                return new WorldObject(null, null, size, position(), id + " " + noun);
            }
            if (i >= w.size() || Palette.ofWord(w.get(i)) == null) {
                if (i >= w.size()) throw new IllegalArgumentException("prompt '" + prompt + "' ends where a colour was expected");
                throw unexpected("a colour (" + String.join(", ", Arrays.stream(Palette.values()).map(Palette::word).toList()) + ")"
                        + (identifiers.isEmpty() ? "" : " or a subject token (" + String.join(", ", identifiers) + ")"));
            }
            Palette colour = Palette.ofWord(w.get(i++));
            if (i >= w.size() || Shape.ofWord(w.get(i)) == null) {
                if (i >= w.size()) throw new IllegalArgumentException("prompt '" + prompt + "' ends where a shape was expected");
                throw unexpected("a shape (circle, square, triangle, star)");
            }
            Shape shape = Shape.ofWord(w.get(i++));
            return WorldObject.of(colour, shape, size, position());
        }

        private Position position() {
            if (!at("at")) return null;
            i++;
            if (!next("'the'").equals("the")) {
                i--;
                throw unexpected("'the'");
            }
            String a = next("a position");
            if (a.equals("center")) return Position.CENTER;
            if (!a.equals("top") && !a.equals("bottom")) {
                i--;
                throw unexpected("a position (top left, top right, bottom left, bottom right, center)");
            }
            String b = next("'left' or 'right'");
            if (!b.equals("left") && !b.equals("right")) {
                i--;
                throw unexpected("'left' or 'right'");
            }
            return Position.valueOf((a + "_" + b).toUpperCase(Locale.ROOT));
        }

        private Palette background() {
            if (!at("on")) return null;
            i++;
            String art = next("'a' or 'an'");
            if (!art.equals("a") && !art.equals("an")) {
                i--;
                throw unexpected("'a' or 'an'");
            }
            String c = next("a background colour");
            Palette p = Palette.ofWord(c);
            if (p == null) {
                i--;
                throw unexpected("a background colour");
            }
            if (!next("'background'").equals("background")) {
                i--;
                throw unexpected("'background'");
            }
            return p;
        }

        private static boolean isGrammarWord(String word) {
            return vocabulary().contains(word);
        }
    }
}
