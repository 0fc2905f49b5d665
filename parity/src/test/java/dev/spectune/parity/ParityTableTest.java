/*
 * ParityTableTest: every row of the parity table on every shared golden folder it is certified
 * on — every counted line within tolerance, the exact number of counted lines the table records,
 * and no tensor of the folder left uninterpreted.
 */
package dev.spectune.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.testing.TestFixtures;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ParityTableTest {

    static Stream<Arguments> certified() {
        return Stream.of(ParityKind.values()).flatMap(k -> k.certified().stream().map(c -> Arguments.of(k, c)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("certified")
    void kindPassesOnItsGoldenFolder(ParityKind kind, ParityKind.Certified golden) {
        ParityReport r = kind.run(TestFixtures.path(golden.folder()));
        System.out.println(r.summary());
        r.lines().stream().filter(l -> !l.ok() && !l.informational()).limit(40).forEach(System.out::println);
        assertThat(r.lines()).as("uninterpreted tensors").noneMatch(l -> l.note().equals(ParityReport.UNINTERPRETED));
        assertThat(r.allPass()).as(r.summary()).isTrue();
        assertThat(r.counted()).as("counted lines of " + kind.id() + " on " + golden.folder()).hasSize(golden.lines());
    }
}
