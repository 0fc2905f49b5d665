/* ConfigException: a config file that is missing a required field or holds an invalid value, with the file named. */
package dev.spectune.checkpoint.config;

public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    /** {@code e} as found in {@code file}: its message led by the file's path (unless it names the file already). */
    public static ConfigException in(java.nio.file.Path file, ConfigException e) {
        return e.getMessage().startsWith(file.toString()) ? e : new ConfigException(file + ": " + e.getMessage());
    }
}
