/*
 * ByteUnicode: GPT-2/CLIP's reversible map from the 256 byte values to printable Unicode
 * characters (bytes_to_unicode in simple_tokenizer.py), so BPE can work on strings: printable
 * Latin-1 bytes map to themselves, the other 68 to U+0100 onwards.
 */
package dev.spectune.checkpoint.tokenizer;

public final class ByteUnicode {
    private ByteUnicode() {}

    private static final char[] BYTE_TO_CHAR = build();

    private static char[] build() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++) map[b] = printable[b] ? (char) b : (char) (256 + next++);
        return map;
    }

    public static char of(byte b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The UTF-8 bytes of {@code text}, each replaced by its printable stand-in. */
    public static String encode(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) sb.append(of(b));
        return sb.toString();
    }

    /** Inverse of {@link #encode}: stand-in characters back to UTF-8 text. */
    public static String decode(String encoded) {
        byte[] bytes = new byte[encoded.length()];
        int n = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            int b = -1;
            for (int v = 0; v < 256; v++) if (BYTE_TO_CHAR[v] == c) { b = v; break; }
            if (b >= 0) bytes[n++] = (byte) b;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
