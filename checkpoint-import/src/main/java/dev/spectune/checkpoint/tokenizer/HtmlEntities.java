/*
 * HtmlEntities: HTML character references as ftfy's unescape_html resolves them: numeric
 * (&#233; &#xE9;) and named. The named table holds the entities of XML, the Latin-1 set (HTML 4,
 * U+00A0–U+00FF) and the common typographic ones; a name outside it is left as written.
 */
package dev.spectune.checkpoint.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class HtmlEntities {
    private HtmlEntities() {}

    private static final Pattern ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");

    private static final String[] LATIN1 = ("nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr "
            + "deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest "
            + "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml "
            + "ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig "
            + "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml "
            + "eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml").split(" ");

    private static final Map<String, String> NAMED = new HashMap<>();

    static {
        for (int i = 0; i < LATIN1.length; i++) NAMED.put(LATIN1[i], String.valueOf((char) (0xA0 + i)));
        String[][] more = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
                {"ndash", "\u2013"}, {"mdash", "\u2014"}, {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"sbquo", "\u201A"},
                {"ldquo", "\u201C"}, {"rdquo", "\u201D"}, {"bdquo", "\u201E"}, {"hellip", "\u2026"}, {"trade", "\u2122"},
                {"euro", "\u20AC"}, {"bull", "\u2022"}, {"dagger", "\u2020"}, {"Dagger", "\u2021"}, {"permil", "\u2030"},
                {"lsaquo", "\u2039"}, {"rsaquo", "\u203A"}, {"OElig", "\u0152"}, {"oelig", "\u0153"}, {"Scaron", "\u0160"},
                {"scaron", "\u0161"}, {"Yuml", "\u0178"}, {"fnof", "\u0192"}, {"circ", "\u02C6"}, {"tilde", "\u02DC"},
                {"ensp", "\u2002"}, {"emsp", "\u2003"}, {"thinsp", "\u2009"}, {"zwnj", "\u200C"}, {"zwj", "\u200D"},
                {"larr", "\u2190"}, {"rarr", "\u2192"}, {"uarr", "\u2191"}, {"darr", "\u2193"}, {"hearts", "\u2665"}};
        for (String[] e : more) NAMED.put(e[0], e[1]);
    }

    public static String unescape(String text) {
        if (text.indexOf('&') < 0) return text;
        Matcher m = ENTITY.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(resolve(m.group())));
        m.appendTail(sb);
        return sb.toString();
    }

    private static String resolve(String entity) {
        String body = entity.substring(1, entity.length() - 1);
        if (body.startsWith("#")) {
            try {
                int code = body.length() > 1 && (body.charAt(1) == 'x' || body.charAt(1) == 'X')
                        ? Integer.parseInt(body.substring(2), 16) : Integer.parseInt(body.substring(1));
                return Character.isValidCodePoint(code) ? new String(Character.toChars(code)) : entity;
            } catch (NumberFormatException e) {
                return entity;
            }
        }
        String v = NAMED.get(body);
        if (v == null) v = NAMED.get(body.toLowerCase(java.util.Locale.ROOT));   // ftfy also accepts &AMP; etc.
        return v == null ? entity : v;
    }
}
