/*
 * TestFixtures: the shared fixtures for tests. Absent outside CI: the test is skipped with a
 * message saying where they were looked for. Absent with CI=true: the test fails.
 */
package dev.spectune.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.spectune.runtime.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;

public final class TestFixtures {
    private TestFixtures() {}

    /** The fixtures root, or skip (fail under CI) when it is missing. */
    public static Path root() {
        var found = Fixtures.locate();
        if (found.isPresent()) return found.get();
        String message = "shared fixtures not found at " + Fixtures.expectedLocation()
                + "; set SPECTUNE_FIXTURES to the shared/ folder";
        if (Fixtures.inCi()) fail(message + " (CI=true: fixtures are required)");
        return abort(message);
    }

    /** A path inside the fixtures, which must exist. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) fail("fixture missing: " + p);
        return p;
    }
}
