/* Precision: the --precision option of the spectrum tools (float → sgesdd on float32 weights, double → dgesdd). */
package dev.spectune.cli;

import org.nd4j.linalg.api.buffer.DataType;

final class Precision {
    private Precision() {}

    static DataType parse(String precision) {
        return switch (precision) {
            case "float" -> DataType.FLOAT;
            case "double" -> DataType.DOUBLE;
            default -> throw new IllegalArgumentException("--precision must be float or double, got '" + precision + "'");
        };
    }
}
