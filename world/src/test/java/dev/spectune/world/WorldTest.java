/*
 * WorldTest: the world's grammar and its exact scores. Captions parse back to their scenes; words
 * outside the grammar are refused by name; every grammar word is one token of the real CLIP
 * tokenizer. On the world's own renders every attribute a caption names is read back (prompt
 * fidelity exactly 1 over many random scenes); a render scored against a caption that differs in
 * one attribute loses exactly that check; renders of other objects, recoloured, noised or blank
 * renders score low.
 */
package dev.spectune.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.testing.TestFixtures;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorldTest {

    @Test
    void captionsParseBackToTheirScenes() {
        Random r = new Random(1);
        for (int i = 0; i < 500; i++) {
            Scene s = WorldRenderer.randomScene(r, 0.5, Set.of());
            assertThat(Caption.parse(Caption.of(s))).as(Caption.of(s)).isEqualTo(s);
        }
        Scene s = Caption.parse("a small green square at the top left and a yellow triangle");
        assertThat(s.background()).isNull();
        assertThat(s.objects()).containsExactly(WorldObject.of(Palette.GREEN, Shape.SQUARE, Size.SMALL, Position.TOP_LEFT),
                WorldObject.of(Palette.YELLOW, Shape.TRIANGLE, null, null));
        assertThat(Caption.of(Caption.parse("an orange star on a white background"))).isEqualTo("an orange star on a white background");
        Scene subject = Caption.parse("a photo of sks toy on a green background");
        assertThat(subject.objects().getFirst().subject()).isEqualTo("sks toy");
        assertThat(subject.background()).isEqualTo(Palette.GREEN);
        assertThat(Caption.parse("a sks toy at the top left on a green background").objects().getFirst().position()).isEqualTo(Position.TOP_LEFT);
        assertThat(Caption.parse("a red circle and a blue square on a white background").background()).isEqualTo(Palette.WHITE);
    }

    @Test
    void wordsOutsideTheGrammarAreRefusedByName() {
        assertThatThrownBy(() -> Caption.parse("a red hexagon on a blue background")).hasMessageContaining("'hexagon'").hasMessageContaining("a shape");
        assertThatThrownBy(() -> Caption.parse("a teal circle")).hasMessageContaining("'teal'").hasMessageContaining("a colour");
        assertThatThrownBy(() -> Caption.parse("a red circle at the middle")).hasMessageContaining("'middle'");
        assertThatThrownBy(() -> Caption.parse("a red circle on a red background")).hasMessageContaining("never has its background's colour");
        assertThatThrownBy(() -> Caption.parse("a red circle beside a cat")).hasMessageContaining("'beside'");
        assertThatThrownBy(() -> Caption.parse("a red")).hasMessageContaining("ends where a shape was expected");
        assertThatThrownBy(() -> Caption.parse("")).hasMessageContaining("empty");
    }

    @Test
    void everyGrammarWordIsOneClipToken() throws Exception {
        ClipTokenizer tok = ClipTokenizer.fromFolder(TestFixtures.path("artifacts/clip-tokenizer"));
        for (String w : Caption.vocabulary()) {
            int[] ids = tok.encode(w);
            assertThat(ids).as("'" + w + "' tokens").hasSize(1);
            assertThat(tok.decode(ids).strip()).as("'" + w + "' decoded").isEqualTo(w);
        }
    }

    @Test
    void ownRendersScoreExactly() {
        Random r = new Random(2);
        for (int side : new int[] {64, 128}) {
            for (int i = 0; i < 300; i++) {
                Scene asked = WorldRenderer.randomScene(r, 0.5, Set.of());
                WorldRenderer.Render render = WorldRenderer.render(asked, side, r);
                WorldAnalysis a = WorldAnalysis.of(render.rgb(), side);
                assertThat(PromptFidelity.score(asked, a).fidelity()).as(Caption.of(asked) + " at " + side + " px").isEqualTo(1.0);
                assertThat(PromptFidelity.score(render.scene(), a).fidelity()).as("every attribute: " + Caption.of(render.scene())).isEqualTo(1.0);
                for (WorldAnalysis.Detected d : a.objects()) assertThat(d.shapeOverlap()).isGreaterThanOrEqualTo(0.7);
            }
        }
    }

    @Test
    void aCaptionThatDiffersInOneAttributeLosesExactlyThatCheck() {
        Scene shown = new Scene(Palette.BLUE, List.of(WorldObject.of(Palette.RED, Shape.STAR, Size.LARGE, Position.TOP_RIGHT),
                WorldObject.of(Palette.WHITE, Shape.TRIANGLE, Size.SMALL, Position.BOTTOM_LEFT)));
        WorldAnalysis a = WorldAnalysis.of(WorldRenderer.render(shown, 64, new Random(3)).rgb(), 64);
        assertThat(PromptFidelity.score(shown, a).fidelity()).isEqualTo(1.0);
        record Case(String caption, String attribute) {}
        for (Case c : List.of(new Case("a large red star at the top right on a green background and a small white triangle at the bottom left", "background_colour"),
                new Case("a large red circle at the top right on a blue background and a small white triangle at the bottom left", "shape"),
                new Case("a large red star at the top right on a blue background and a small black triangle at the bottom left", "object_colour"),
                new Case("a small red star at the top right on a blue background and a small white triangle at the bottom left", "size"),
                new Case("a large red star at the center on a blue background and a small white triangle at the bottom left", "position"))) {
            PromptFidelity.Score s = PromptFidelity.score(Caption.parse(c.caption()), a);
            for (String attr : PromptFidelity.ATTRIBUTES) {
                double expected = attr.equals(c.attribute()) ? (attr.equals("background_colour") ? 0 : 0.5) : 1;
                if (!Double.isNaN(s.of(attr))) assertThat(s.of(attr)).as(c.caption() + ": " + attr).isEqualTo(expected);
            }
        }
        assertThat(PromptFidelity.score(Caption.parse("a red star on a blue background"), a).of("count")).isEqualTo(0.0);
    }

    @Test
    void otherObjectsAndCorruptedRendersScoreLow() {
        Random r = new Random(4);
        double other = 0, noisy = 0, blank = 0;
        int n = 100;
        for (int i = 0; i < n; i++) {
            Scene asked = WorldRenderer.randomScene(r, 1.0, Set.of());
            Scene elsewhere = WorldRenderer.randomScene(r, 1.0, Set.of());
            other += PromptFidelity.score(asked, WorldAnalysis.of(WorldRenderer.render(elsewhere, 64, r).rgb(), 64)).fidelity();
            int[] rgb = WorldRenderer.render(asked, 64, r).rgb();
            for (int p = 0; p < rgb.length; p++) {                                            // heavy noise: ±120 per channel
                int c = rgb[p], rr = clamp(((c >> 16) & 255) + r.nextInt(241) - 120), gg = clamp(((c >> 8) & 255) + r.nextInt(241) - 120), bb = clamp((c & 255) + r.nextInt(241) - 120);
                rgb[p] = (rr << 16) | (gg << 8) | bb;
            }
            noisy += PromptFidelity.score(asked, WorldAnalysis.of(rgb, 64)).fidelity();
            int[] grey = new int[64 * 64];
            java.util.Arrays.fill(grey, 0x808080);
            blank += PromptFidelity.score(asked, WorldAnalysis.of(grey, 64)).fidelity();
        }
        assertThat(other / n).as("renders of other scenes").isLessThan(0.35);
        assertThat(noisy / n).as("noised renders").isLessThan(0.6);
        assertThat(blank / n).as("a blank grey image").isEqualTo(0.0);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
