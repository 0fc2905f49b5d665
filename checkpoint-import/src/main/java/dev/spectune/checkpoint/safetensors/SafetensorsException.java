/* SafetensorsException: a file that is not valid safetensors, with the file and the problem named. */
package dev.spectune.checkpoint.safetensors;

import java.nio.file.Path;

public final class SafetensorsException extends RuntimeException {
    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
