/*
 * ConsoleNoise: SameDiff 1.0.0-M2.1 prints "Added differentiated op …" to System.out for every op
 * the first time a gradient graph is built. Command-line tools install this filter so their own
 * output stays readable; everything else passes through unchanged.
 */
package dev.spectune.runtime;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public final class ConsoleNoise {
    private ConsoleNoise() {}

    private static final String NOISE = "Added differentiated op ";

    /** Replaces System.out with a line filter that drops SameDiff's gradient-construction messages. */
    public static synchronized void silenceSameDiff() {
        if (System.out instanceof FilteringStream) return;
        System.setOut(new FilteringStream(System.out));
    }

    private static final class FilteringStream extends PrintStream {
        FilteringStream(PrintStream target) {
            super(new LineFilter(target), true, StandardCharsets.UTF_8);
        }
    }

    private static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') emit();
        }

        @Override
        public synchronized void flush() {
            // Partial lines (progress output) pass through on flush unless they are the noise prefix.
            String pending = line.toString(StandardCharsets.UTF_8);
            if (!pending.isEmpty() && !NOISE.startsWith(pending) && !pending.startsWith(NOISE)) emit();
            target.flush();
        }

        private void emit() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!text.startsWith(NOISE)) target.print(text);
        }
    }
}
