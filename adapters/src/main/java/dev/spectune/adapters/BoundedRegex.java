/*
 * BoundedRegex: a regex match with a budget. java.util.regex backtracks, so a pattern such as
 * (a+)+$ takes exponential time on a key it almost matches; a target regex read from an adapter
 * file must not hang `sample`. The matcher reads the key through a CharSequence that counts its
 * reads and gives up past a budget no sane pattern needs on a module name (one million reads;
 * SD-1.5's keys with the default targets take a few hundred each).
 */
package dev.spectune.adapters;

import java.util.regex.Pattern;

public final class BoundedRegex {
    private BoundedRegex() {}

    /** Character reads one match may make. */
    public static final long BUDGET = 1_000_000;

    /** The match ran out of its budget: the pattern backtracks catastrophically on {@link #input}. */
    public static final class TooSlow extends IllegalArgumentException {
        private final String input;

        TooSlow(Pattern p, String input) {
            super("the regex /" + p.pattern() + "/ gave up matching '" + input + "' after " + BUDGET + " steps (it backtracks catastrophically):"
                    + " use a simpler pattern, e.g. alternatives of plain names");
            this.input = input;
        }

        public String input() {
            return input;
        }
    }

    /** Whether {@code p} matches all of {@code input}; throws {@link TooSlow} past the budget. */
    public static boolean matches(Pattern p, String input) {
        return p.matcher(new Counted(p, input)).matches();
    }

    private static final class Counted implements CharSequence {
        private final Pattern pattern;
        private final String s;
        private final long[] reads;                 // shared with sub-sequences

        Counted(Pattern pattern, String s) {
            this(pattern, s, new long[1]);
        }

        private Counted(Pattern pattern, String s, long[] reads) {
            this.pattern = pattern;
            this.s = s;
            this.reads = reads;
        }

        @Override
        public char charAt(int i) {
            if (++reads[0] > BUDGET) throw new TooSlow(pattern, s);
            return s.charAt(i);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(pattern, s.substring(start, end), reads);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
