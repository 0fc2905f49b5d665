/*
 * ParityReport: the comparison of spectune's tensors with golden ones, one line per tensor —
 * "name max_abs rel tol ok|FAIL" with rel = max|a − e| / max|e| — and the summary line
 * "parity <kind>: N/N within tolerance (worst rel X)".
 */
package dev.spectune.parity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class ParityReport {

    public record Line(String name, double maxAbs, double rel, double tolerance, boolean ok, String note, boolean informational) {
        @Override
        public String toString() {
            String result = informational ? (ok ? "ok" : "info") : (ok ? "ok" : "FAIL");
            return String.format("%-64s %10.3e %10.3e %8.0e %s%s", name, maxAbs, rel, tolerance, result,
                    note.isEmpty() ? "" : "  " + note);
        }
    }

    private final String kind;
    private final List<Line> lines = new ArrayList<>();

    public ParityReport(String kind) {
        this.kind = kind;
    }

    /** A golden file whose tensors this report accounts for (see {@link GoldenFile}). */
    public GoldenFile open(Path file) {
        return new GoldenFile(file, this);
    }

    /** A golden folder's io.safetensors (its inputs, outputs and activations). */
    public GoldenFile openIo(Path folder) {
        if (!java.nio.file.Files.isDirectory(folder)) throw new dev.spectune.checkpoint.CheckpointException(folder + ": no such golden folder");
        return open(folder.resolve("io.safetensors"));
    }

    /** The note of a line that names a golden value the runner could not interpret. */
    public static final String UNINTERPRETED = "not interpreted by this runner";

    /** A golden value the runner could not interpret: a failure naming it. */
    public Line uninterpreted(String name) {
        return add(new Line(name, Double.NaN, Double.NaN, 0, false, UNINTERPRETED, false));
    }

    /** An exact comparison of non-numeric values (token strings, ids, decoded text). */
    public Line exact(String name, boolean equal, String note) {
        return add(new Line(name, equal ? 0 : 1, equal ? 0 : 1, 0, equal, equal ? "" : note, false));
    }

    /** As {@link #exact}, reported but not counted, for the stated reason. */
    public Line informExact(String name, boolean equal, String reason) {
        return add(new Line(name, equal ? 0 : 1, equal ? 0 : 1, 0, equal, reason, true));
    }

    /** Compares actual with expected (both cast to double); a shape mismatch is a failure. */
    public Line compare(String name, INDArray actual, INDArray expected, double tolerance) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            return add(new Line(name, Double.NaN, Double.NaN, tolerance, false,
                    "shape " + Arrays.toString(actual.shape()) + " != expected " + Arrays.toString(expected.shape()), false));
        }
        double[] err = error(actual, expected);
        return add(new Line(name, err[0], err[1], tolerance, err[1] <= tolerance && !Double.isNaN(err[1]), "", false));
    }

    /**
     * As {@link #compare}, relative to max(max|expected|, floor): for tensors that are zero in exact
     * arithmetic (e.g. the gradient of an attention key bias, which softmax ignores), where both
     * sides hold only rounding noise and a ratio of noises would mean nothing.
     */
    public Line compareWithFloor(String name, INDArray actual, INDArray expected, double tolerance, double floor) {
        if (!Arrays.equals(actual.shape(), expected.shape())) return compare(name, actual, expected, tolerance);
        double[] err = error(actual, expected);
        double scale = Math.max(expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue(), floor);
        double rel = err[0] / scale;
        return add(new Line(name, err[0], rel, tolerance, rel <= tolerance, scale == floor ? "relative to the noise floor " + String.format("%.1e", floor) : "", false));
    }

    /**
     * A comparison reported but not counted: where the reference itself cannot be met at the
     * tolerance for a stated reason (printed beside the line).
     */
    public Line inform(String name, INDArray actual, INDArray expected, double tolerance, String reason) {
        double[] err = error(actual, expected);
        return add(new Line(name, err[0], err[1], tolerance, err[1] <= tolerance, reason, true));
    }

    private static double[] error(INDArray actual, INDArray expected) {
        INDArray a = actual.castTo(DataType.DOUBLE), e = expected.castTo(DataType.DOUBLE);
        double maxAbs = a.sub(e).amaxNumber().doubleValue();
        double scale = e.amaxNumber().doubleValue();
        return new double[] {maxAbs, scale == 0 ? maxAbs : maxAbs / scale};
    }

    /** A scalar check (e.g. a PSNR difference) reported in the same format. */
    public Line check(String name, double value, double tolerance, String note) {
        return add(new Line(name, value, value, tolerance, Math.abs(value) <= tolerance, note, false));
    }

    private Line add(Line line) {
        lines.add(line);
        return line;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The lines that count toward the verdict (all but informational ones). */
    public List<Line> counted() {
        return lines.stream().filter(l -> !l.informational()).toList();
    }

    public boolean allPass() {
        return !counted().isEmpty() && counted().stream().allMatch(Line::ok);
    }

    public String summary() {
        List<Line> counted = counted();
        long ok = counted.stream().filter(Line::ok).count();
        double worst = counted.stream().filter(l -> l.tolerance() < 1).mapToDouble(l -> Double.isNaN(l.rel()) ? Double.POSITIVE_INFINITY : l.rel()).max().orElse(0);
        long info = lines.size() - counted.size();
        return String.format("parity %s: %d/%d within tolerance (worst rel %.3e)%s", kind, ok, counted.size(), worst,
                info == 0 ? "" : " [+" + info + " informational]");
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-64s %10s %10s %8s %s%n", "name", "max_abs", "rel", "tol", "result"));
        for (Line l : lines) sb.append(l).append('\n');
        sb.append(summary()).append('\n');
        return sb.toString();
    }
}
