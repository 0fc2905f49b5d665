/* ConfigException: a config file that is missing a required field or holds an invalid value, with the file named. */
package dev.spectune.checkpoint.config;

public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
