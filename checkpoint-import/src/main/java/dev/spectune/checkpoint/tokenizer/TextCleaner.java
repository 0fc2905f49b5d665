/*
 * TextCleaner: the text clean-up Stable Diffusion's slow CLIP tokenizer applies before BPE —
 * ftfy.fix_text (ftfy 6.1 defaults), then whitespace_clean, then lower() — as transformers'
 * CLIPTokenizer._tokenize does when ftfy is installed.
 *
 * Ported from ftfy, per line of text as fix_text works: unescape_html ("auto": only when the line
 * has no '<'), remove_terminal_escapes, fix_c1_controls (as Windows-1252), fix_latin_ligatures,
 * fix_character_width (full/half-width forms), uncurl_quotes, fix_line_breaks, fix_surrogates,
 * remove_control_chars, NFC. Not ported: ftfy's mojibake repair (fix_encoding and its helpers
 * restore_byte_a0, replace_lossy_sequences, decode_inconsistent_utf8), which guesses at text
 * decoded with the wrong codec; prompts typed by users do not need it.
 */
package dev.spectune.checkpoint.tokenizer;

import java.nio.charset.Charset;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

public final class TextCleaner {
    private TextCleaner() {}

    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");
    private static final Pattern WHITESPACE = Pattern.compile("(?U)\\s+");
    private static final Charset CP1252 = Charset.forName("windows-1252");
    private static final String[][] LIGATURES = {
            {"\u0132", "IJ"}, {"\u0133", "ij"}, {"\u0149", "\u02BCn"}, {"\u01C4", "D\u017D"}, {"\u01C5", "D\u017E"},
            {"\u01C6", "d\u017E"}, {"\u01C7", "LJ"}, {"\u01C8", "Lj"}, {"\u01C9", "lj"}, {"\u01CA", "NJ"},
            {"\u01CB", "Nj"}, {"\u01CC", "nj"}, {"\uFB00", "ff"}, {"\uFB01", "fi"}, {"\uFB02", "fl"},
            {"\uFB03", "ffi"}, {"\uFB04", "ffl"}, {"\uFB05", "\u017Ft"}, {"\uFB06", "st"}};

    /** ftfy.fix_text + whitespace_clean + lower: what CLIP's BPE sees. */
    public static String clean(String text) {
        return whitespaceClean(fixText(text)).toLowerCase(Locale.ROOT);
    }

    /** re.sub(r"\s+", " ", text).strip() */
    public static String whitespaceClean(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip();
    }

    /** The ported subset of ftfy.fix_text, line by line. */
    public static String fixText(String text) {
        StringBuilder out = new StringBuilder();
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int lineBreak = text.indexOf('\n', pos);
            int end = lineBreak < 0 ? text.length() : lineBreak + 1;
            String segment = text.substring(pos, end);
            if (segment.indexOf('<') >= 0) unescapeHtml = false;   // "auto": text with '<' is taken to be HTML
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String s, boolean unescapeHtml) {
        if (unescapeHtml) s = HtmlEntities.unescape(s);
        s = TERMINAL_ESCAPE.matcher(s).replaceAll("");
        s = fixC1Controls(s);
        for (String[] l : LIGATURES) s = s.replace(l[0], l[1]);
        s = fixCharacterWidth(s);
        s = s.replaceAll("[\u02BC\u2018-\u201B]", "'").replaceAll("[\u201C-\u201F]", "\"");
        s = s.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n').replace('\u0085', '\n');
        s = fixSurrogates(s);
        s = removeControlChars(s);
        return Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    private static String fixC1Controls(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (sb == null) sb = new StringBuilder(s.substring(0, i));
                String decoded = new String(new byte[] {(byte) c}, CP1252);
                sb.append(decoded.equals("\uFFFD") ? String.valueOf(c) : decoded);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static String fixCharacterWidth(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u3000') {
                sb.append(' ');
            } else if (c >= 0xFF01 && c <= 0xFFEF) {
                String n = Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC);
                sb.append(n.isEmpty() ? String.valueOf(c) : n.substring(0, 1));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String fixSurrogates(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append('\uFFFD');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isControl(int cp) {
        return (cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC)
                || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE007F);
    }

    private static String removeControlChars(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().filter(cp -> !isControl(cp)).forEach(sb::appendCodePoint);
        return sb.toString();
    }
}
