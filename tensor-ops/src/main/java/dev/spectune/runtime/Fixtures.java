/*
 * Fixtures: where the shared reference data (golden tensors, real artifacts) lives.
 *
 * SPECTUNE_FIXTURES when set, else ../shared beside the project root. The project root is
 * SPECTUNE_ROOT when set (the build and bin/spectune set it), else the working directory or the
 * nearest parent holding the Maven wrapper. See shared/README.md.
 */
package dev.spectune.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

public final class Fixtures {
    private Fixtures() {}

    /** The fixtures folder if it exists. */
    public static Optional<Path> locate() {
        String explicit = System.getenv("SPECTUNE_FIXTURES");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit).toAbsolutePath().normalize();
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        Path shared = projectRoot().resolve("../shared").normalize();
        return Files.isDirectory(shared) ? Optional.of(shared) : Optional.empty();
    }

    /** Where the fixtures are expected, for error messages. */
    public static String expectedLocation() {
        String explicit = System.getenv("SPECTUNE_FIXTURES");
        if (explicit != null && !explicit.isBlank()) return explicit + " (SPECTUNE_FIXTURES)";
        return projectRoot().resolve("../shared").normalize() + " (../shared beside the project root)";
    }

    public static Path projectRoot() {
        String root = System.getenv("SPECTUNE_ROOT");
        if (root != null && !root.isBlank()) return Path.of(root).toAbsolutePath().normalize();
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("mvnw")) && Files.exists(p.resolve("pom.xml"))) return p;
        }
        return dir;
    }

    /** True when running under CI (CI=true), where missing fixtures are a failure. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
