/*
 * ClipTokenizer: CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py; transformers'
 * CLIPTokenizer, the slow one Stable Diffusion pipelines use).
 *
 *   text → TextCleaner.clean → split by CLIP's pattern (specials, contractions, letter runs,
 *   single digits, other symbol runs) → each piece's UTF-8 bytes as printable characters →
 *   BPE: start from characters with "</w>" on the last, repeatedly merge the adjacent pair of
 *   lowest merge rank → look each resulting token up in the vocabulary (unknown → unk id).
 *
 * For the model: [BOS] + ids (truncated to maxLength − 2) + [EOS], padded to maxLength with the pad
 * id the tokenizer config names (SD-1.x: <|endoftext|>; SD-2.x: "!").
 */
package dev.spectune.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

public final class ClipTokenizer {

    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";
    public static final int MODEL_MAX_LENGTH = 77;
    /** CLIP uses the first 49152 − 256 − 2 merges of its file. */
    static final int MAX_MERGES = 49152 - 256 - 2;

    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> vocab;
    private final Map<Integer, String> tokensById = new HashMap<>();
    private final Map<String, Integer> mergeRanks;
    private final int bosId, eosId, padId, unkId;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    public ClipTokenizer(Map<String, Integer> vocab, List<String[]> merges, String padToken, String unkToken) {
        this.vocab = Map.copyOf(vocab);
        vocab.forEach((token, id) -> tokensById.put(id, token));
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) ranks.put(merges.get(i)[0] + " " + merges.get(i)[1], i);
        this.mergeRanks = ranks;
        this.bosId = require(BOS);
        this.eosId = require(EOS);
        this.padId = require(padToken);
        this.unkId = require(unkToken);
        cache.put(BOS, List.of(BOS));
        cache.put(EOS, List.of(EOS));
    }

    private int require(String token) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("tokenizer vocabulary has no '" + token + "'");
        return id;
    }

    /** From a transformers tokenizer folder: vocab.json, merges.txt, and tokenizer_config.json for pad/unk. */
    public static ClipTokenizer fromFolder(Path folder) throws IOException {
        Path vocabFile = folder.resolve("vocab.json"), mergesFile = folder.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IOException(folder + ": a CLIP tokenizer folder needs vocab.json and merges.txt");
        }
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        json.readTree(vocabFile.toFile()).fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().intValue()));
        List<String> lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
        String pad = EOS, unk = EOS;
        Path config = folder.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode c = json.readTree(config.toFile());
            pad = tokenName(c.get("pad_token"), pad);
            unk = tokenName(c.get("unk_token"), unk);
        }
        return new ClipTokenizer(vocab, parseMerges(lines, mergesFile), pad, unk);
    }

    /** From openai's bpe_simple_vocab_16e6.txt.gz: the vocabulary is rebuilt as simple_tokenizer.py does. */
    public static ClipTokenizer fromBpeGz(Path gz) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        List<String[]> merges = parseMerges(lines, gz);
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteUnicode.of((byte) orderedByte(b))));
        int base = tokens.size();
        for (int i = 0; i < base; i++) tokens.add(tokens.get(i) + "</w>");
        for (String[] m : merges) tokens.add(m[0] + m[1]);
        tokens.add(BOS);
        tokens.add(EOS);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) vocab.put(tokens.get(i), i);
        return new ClipTokenizer(vocab, merges, EOS, EOS);
    }

    /** simple_tokenizer.py lists the byte characters in bytes_to_unicode's order: printable bytes first. */
    private static int orderedByte(int index) {
        List<Integer> order = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) order.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) order.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) order.add(b);
        for (int b = 0; b < 256; b++) if (!order.contains(b)) order.add(b);
        return order.get(index);
    }

    private static List<String[]> parseMerges(List<String> lines, Path source) {
        List<String[]> merges = new ArrayList<>();
        // Both readers drop the first line unconditionally (a "#version" header, in the .gz prefixed by the file name).
        for (int i = 1; i < lines.size() && merges.size() < MAX_MERGES; i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String[] pair = line.split(" ");
            if (pair.length != 2) throw new IllegalArgumentException(source + ": merges line " + (i + 1) + " is not two tokens: '" + line + "'");
            merges.add(pair);
        }
        return merges;
    }

    private static String tokenName(JsonNode node, String fallback) {
        if (node == null || node.isNull()) return fallback;
        if (node.isTextual()) return node.textValue();
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.textValue() : fallback;
    }

    /**
     * The first 512 entries of every CLIP vocabulary (openai's simple_tokenizer): the 256 byte
     * symbols, then the same with the end-of-word mark "&lt;/w&gt;". With no merges these alone
     * tokenize any text, byte by byte.
     */
    public static Map<String, Integer> byteLevelVocabulary() {
        Map<String, Integer> v = new java.util.LinkedHashMap<>();
        for (int b = 0; b < 256; b++) v.put(String.valueOf(ByteUnicode.of((byte) b)), v.size());
        for (int b = 0; b < 256; b++) v.put(ByteUnicode.of((byte) b) + "</w>", v.size());
        return v;
    }

    public int bosId() { return bosId; }
    public int eosId() { return eosId; }
    public int padId() { return padId; }
    public int vocabSize() { return vocab.size(); }

    /** BPE tokens of a text, without BOS/EOS. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = PIECES.matcher(TextCleaner.clean(text));
        while (m.find()) tokens.addAll(bpe(ByteUnicode.encode(m.group())));
        return tokens;
    }

    /** Token ids of a text, without BOS/EOS, untruncated. */
    public int[] encode(String text) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = vocab.getOrDefault(tokens.get(i), unkId);
        return ids;
    }

    /** [BOS] + ids + [EOS] without truncation or padding (transformers' tokenizer(text).input_ids). */
    public int[] encodeWithSpecials(String text) {
        int[] ids = encode(text);
        int[] out = new int[ids.length + 2];
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, ids.length);
        out[out.length - 1] = eosId;
        return out;
    }

    /** What a pipeline feeds the text encoder: truncated to and padded to {@code maxLength}. */
    public Encoded encodeForModel(String text, int maxLength) {
        int[] ids = encode(text);
        int keep = Math.min(ids.length, maxLength - 2);
        int[] out = new int[maxLength];
        Arrays.fill(out, padId);
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, keep);
        out[keep + 1] = eosId;
        return new Encoded(out, ids.length - keep);
    }

    /**
     * The text of token ids, as openai's simple_tokenizer decodes: tokens joined, byte-decoded,
     * end-of-word marks as spaces (specials kept; the lower-casing and clean-up of encoding stay).
     */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String token = tokensById.get(id);
            if (token == null) throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (" + vocab.size() + " tokens)");
            sb.append(token);
        }
        return ByteUnicode.decode(sb.toString()).replace("</w>", " ");
    }

    /** Model input ids and how many tokens truncation dropped (diffusers warns when that is not 0). */
    public record Encoded(int[] ids, int truncatedTokens) {}

    private List<String> bpe(String piece) {
        return cache.computeIfAbsent(piece, this::mergePiece);
    }

    private List<String> mergePiece(String piece) {
        List<String> word = new ArrayList<>();
        int[] cps = piece.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            String ch = new String(Character.toChars(cps[i]));
            word.add(i == cps.length - 1 ? ch + "</w>" : ch);
        }
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestFirst = null, bestSecond = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = mergeRanks.get(word.get(i) + " " + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    bestFirst = word.get(i);
                    bestSecond = word.get(i + 1);
                }
            }
            if (bestFirst == null) break;
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(bestFirst) && word.get(i + 1).equals(bestSecond)) {
                    merged.add(bestFirst + bestSecond);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return List.copyOf(word);
    }
}
