/*
 * SubjectFidelityTest: a subject's other views (other places, sizes, backgrounds) score near 1
 * against its reference views; the world's plain objects, the ring in other colours, a ring
 * without stripes and a cross in the ring's colours score lower; diversity is 0 for identical images and grows with differences.
 */
package dev.spectune.world;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubjectFidelityTest {

    static final StripedToy SUBJECT = new StripedToy(StripedToy.Outline.RING, Palette.ORANGE, Palette.PURPLE);
    static final List<int[]> REFERENCES = List.of(SUBJECT.view(64, Palette.WHITE, Size.LARGE, Position.CENTER),
            SUBJECT.view(64, Palette.GREEN, Size.LARGE, Position.TOP_LEFT), SUBJECT.view(64, Palette.BLUE, Size.SMALL, Position.BOTTOM_RIGHT),
            SUBJECT.view(64, Palette.BLACK, Size.LARGE, Position.BOTTOM_LEFT));

    @Test
    void theSubjectsOtherViewsScoreNearOne() {
        double own = SubjectFidelity.of(REFERENCES, SUBJECT.view(64, Palette.YELLOW, Size.LARGE, Position.TOP_RIGHT), 64);
        double small = SubjectFidelity.of(REFERENCES, SUBJECT.view(64, Palette.RED, Size.SMALL, Position.CENTER), 64);
        assertThat(own).isGreaterThan(0.9);
        assertThat(small).isGreaterThan(0.8);
        double recoloured = SubjectFidelity.of(REFERENCES, new StripedToy(StripedToy.Outline.RING, Palette.RED, Palette.BLUE).view(64, Palette.YELLOW, Size.LARGE, Position.TOP_RIGHT), 64);
        double plain = SubjectFidelity.of(REFERENCES, new StripedToy(StripedToy.Outline.RING, Palette.ORANGE, Palette.RED)
                .view(64, Palette.YELLOW, Size.LARGE, Position.TOP_RIGHT), 64);
        assertThat(recoloured).as("the ring in other colours").isLessThan(own - 0.25);
        assertThat(plain).as("other stripes' colours").isLessThan(own - 0.1);
        Random r = new Random(9);
        double objects = 0;
        for (int i = 0; i < 50; i++) {
            Scene s = WorldRenderer.randomScene(r, 0.5, Set.of());
            objects += SubjectFidelity.of(REFERENCES, WorldRenderer.render(s, 64, r).rgb(), 64);
        }
        assertThat(objects / 50).as("the world's plain objects").isLessThan(0.6);
        int[] blank = new int[64 * 64];
        java.util.Arrays.fill(blank, Palette.WHITE.rgb());
        assertThat(SubjectFidelity.of(REFERENCES, blank, 64)).isEqualTo(0.0);
    }

    @Test
    void aCrossInTheRingsColoursIsToldApartByItsOutline() {
        StripedToy cross = new StripedToy(StripedToy.Outline.CROSS, Palette.ORANGE, Palette.PURPLE);
        double ring = SubjectFidelity.of(REFERENCES, SUBJECT.view(64, Palette.YELLOW, Size.LARGE, Position.TOP_RIGHT), 64);
        double crossAgainstRing = SubjectFidelity.of(REFERENCES, cross.view(64, Palette.YELLOW, Size.LARGE, Position.TOP_RIGHT), 64);
        assertThat(crossAgainstRing).as("a cross against the ring's views").isLessThan(ring - 0.12);
        List<int[]> crossViews = List.of(cross.view(64, Palette.WHITE, Size.LARGE, Position.CENTER), cross.view(64, Palette.BLUE, Size.SMALL, Position.BOTTOM_RIGHT));
        double crossOwn = SubjectFidelity.of(crossViews, cross.view(64, Palette.BLACK, Size.LARGE, Position.TOP_LEFT), 64);
        assertThat(crossOwn).as("the cross against its own views").isGreaterThan(0.85);
    }

    @Test
    void diversityIsZeroForIdenticalImagesAndGrowsWithDifferences() {
        int[] a = SUBJECT.view(64, Palette.WHITE, Size.LARGE, Position.CENTER);
        assertThat(SubjectFidelity.diversity(List.of(a, a.clone(), a.clone()))).isEqualTo(0.0);
        double moved = SubjectFidelity.diversity(List.of(a, SUBJECT.view(64, Palette.WHITE, Size.LARGE, Position.TOP_LEFT)));
        double different = SubjectFidelity.diversity(List.of(a, SUBJECT.view(64, Palette.BLACK, Size.SMALL, Position.TOP_LEFT)));
        assertThat(moved).isGreaterThan(0.1);
        assertThat(different).isGreaterThan(moved);
    }
}
