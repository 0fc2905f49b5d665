/* CheckpointException: a model folder or checkpoint that cannot be loaded as asked, with the file and problem named. */
package dev.spectune.checkpoint;

public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }
}
