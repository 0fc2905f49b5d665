/*
 * ParityReport: the comparison of spectune's tensors with golden ones, one line per tensor —
 * "name max_abs rel tol ok|FAIL" with rel = max|a − e| / max|e| — and the summary line
 * "parity <kind>: N/N within tolerance (worst rel X)".
 */
package dev.spectune.model.parity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class ParityReport {

    public record Line(String name, double maxAbs, double rel, double tolerance, boolean ok, String note) {
        @Override
        public String toString() {
            return String.format("%-64s %10.3e %10.3e %8.0e %s%s", name, maxAbs, rel, tolerance, ok ? "ok" : "FAIL",
                    note.isEmpty() ? "" : "  " + note);
        }
    }

    private final String kind;
    private final List<Line> lines = new ArrayList<>();

    public ParityReport(String kind) {
        this.kind = kind;
    }

    /** Compares actual with expected (both cast to double); a shape mismatch is a failure. */
    public Line compare(String name, INDArray actual, INDArray expected, double tolerance) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            return add(new Line(name, Double.NaN, Double.NaN, tolerance, false,
                    "shape " + Arrays.toString(actual.shape()) + " != expected " + Arrays.toString(expected.shape())));
        }
        INDArray a = actual.castTo(DataType.DOUBLE), e = expected.castTo(DataType.DOUBLE);
        double maxAbs = a.sub(e).amaxNumber().doubleValue();
        double scale = e.amaxNumber().doubleValue();
        double rel = scale == 0 ? maxAbs : maxAbs / scale;
        return add(new Line(name, maxAbs, rel, tolerance, rel <= tolerance && !Double.isNaN(rel), ""));
    }

    /** A scalar check (e.g. a PSNR difference) reported in the same format. */
    public Line check(String name, double value, double tolerance, String note) {
        return add(new Line(name, value, value, tolerance, Math.abs(value) <= tolerance, note));
    }

    private Line add(Line line) {
        lines.add(line);
        return line;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public boolean allPass() {
        return !lines.isEmpty() && lines.stream().allMatch(Line::ok);
    }

    public String summary() {
        long ok = lines.stream().filter(Line::ok).count();
        double worst = lines.stream().filter(l -> !l.note().startsWith("psnr")).mapToDouble(l -> Double.isNaN(l.rel()) ? Double.POSITIVE_INFINITY : l.rel()).max().orElse(0);
        return String.format("parity %s: %d/%d within tolerance (worst rel %.3e)", kind, ok, lines.size(), worst);
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-64s %10s %10s %8s %s%n", "name", "max_abs", "rel", "tol", "result"));
        for (Line l : lines) sb.append(l).append('\n');
        sb.append(summary()).append('\n');
        return sb.toString();
    }
}
