/*
 * TokenizerParity: the CLIP BPE tokenizer against transformers' CLIPTokenizer and openai's
 * simple_tokenizer (tokenizer_golden.json and tokenizer_golden.safetensors, with the full
 * vocabulary clip_full/ and the tiny one clip_tiny1000/). Per prompt: the ids with BOS/EOS
 * (hf_full_ids, hf_tiny_ids), padded to 77 (hf_*_padded77, and the stacked tensors
 * full_padded77 / tiny_padded77), the BPE tokens (hf_full_tokens), openai's ids (openai_simple_ids),
 * the ids transformers gives without ftfy (hf_full_ids_noftfy) and the decoded text (decoded);
 * and the vocabulary's special ids (bos, eos_pad, tiny_bos, tiny_eos_pad). All exact.
 *
 * spectune implements the ftfy path Stable Diffusion uses; where the file says transformers'
 * no-ftfy path differs (ftfy_equals_noftfy false) or openai's tokenizer differs from transformers'
 * (hf_equals_openai false), that line is reported, not counted. A field of any other name fails
 * the run by its name.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

public final class TokenizerParity {
    private TokenizerParity() {}

    static final Set<String> TOP_LEVEL = Set.of("bos", "eos_pad", "tiny_bos", "tiny_eos_pad", "ftfy_version", "rows");
    static final Set<String> ROW_FIELDS = Set.of("prompt", "hf_full_ids", "hf_full_ids_noftfy", "openai_simple_ids", "hf_full_tokens", "hf_tiny_ids",
            "hf_full_padded77", "hf_tiny_padded77", "hf_equals_openai", "ftfy_equals_noftfy", "decoded");

    public static ParityReport run(Path folder) {
        Path goldenFile = folder.resolve("tokenizer_golden.json");
        if (!Files.isRegularFile(goldenFile)) throw new CheckpointException(folder + ": no tokenizer_golden.json");
        ParityReport r = new ParityReport("tokenizer");
        try {
            JsonNode golden = new ObjectMapper().readTree(goldenFile.toFile());
            ClipTokenizer full = ClipTokenizer.fromFolder(folder.resolve("clip_full"));
            ClipTokenizer tiny = Files.isDirectory(folder.resolve("clip_tiny1000")) ? ClipTokenizer.fromFolder(folder.resolve("clip_tiny1000")) : null;
            golden.fieldNames().forEachRemaining(k -> { if (!TOP_LEVEL.contains(k)) r.uninterpreted("tokenizer_golden.json: " + k); });
            special(r, golden, "bos", full.bosId());
            special(r, golden, "eos_pad", full.eosId() == full.padId() ? full.eosId() : -1);
            if (tiny != null) {
                special(r, golden, "tiny_bos", tiny.bosId());
                special(r, golden, "tiny_eos_pad", tiny.eosId() == tiny.padId() ? tiny.eosId() : -1);
            }
            if (golden.has("ftfy_version")) {
                r.informExact("ftfy_version " + golden.get("ftfy_version").asText(), golden.get("ftfy_version").asText().startsWith("6.1"),
                        "TextCleaner ports ftfy 6.1's fix_text");
            }
            List<String> prompts = new ArrayList<>();
            int index = 0;
            for (JsonNode row : golden.get("rows")) {
                String prompt = row.get("prompt").textValue();
                prompts.add(prompt);
                String tag = String.format("row %2d %s ", index++, shown(prompt));
                row.fieldNames().forEachRemaining(k -> { if (!ROW_FIELDS.contains(k)) r.uninterpreted("tokenizer_golden.json: " + tag + k); });
                int[] withSpecials = full.encodeWithSpecials(prompt);
                ids(r, tag + "hf_full_ids", row.get("hf_full_ids"), withSpecials);
                ids(r, tag + "hf_full_padded77", row.get("hf_full_padded77"), full.encodeForModel(prompt, ClipTokenizer.MODEL_MAX_LENGTH).ids());
                if (row.has("hf_full_tokens")) {
                    List<String> expected = new ArrayList<>();
                    row.get("hf_full_tokens").forEach(t -> expected.add(t.textValue()));
                    List<String> ours = full.tokenize(prompt);
                    r.exact(tag + "hf_full_tokens", ours.equals(expected), "expected " + expected + " got " + ours);
                }
                if (row.has("openai_simple_ids")) {
                    int[] ours = full.encode(prompt);
                    if (row.path("hf_equals_openai").asBoolean(true)) ids(r, tag + "openai_simple_ids", row.get("openai_simple_ids"), ours);
                    else r.informExact(tag + "openai_simple_ids", Arrays.equals(ours, toInts(row.get("openai_simple_ids"))), "openai's tokenizer differs from transformers' here");
                }
                if (row.has("hf_full_ids_noftfy")) {
                    boolean same = Arrays.equals(withSpecials, toInts(row.get("hf_full_ids_noftfy")));
                    if (row.path("ftfy_equals_noftfy").asBoolean(true)) ids(r, tag + "hf_full_ids_noftfy", row.get("hf_full_ids_noftfy"), withSpecials);
                    else r.informExact(tag + "hf_full_ids_noftfy", same, "spectune implements the ftfy path SD uses; transformers without ftfy cleans text otherwise");
                }
                if (row.has("decoded")) {
                    String ours = full.decode(full.encode(prompt));
                    r.exact(tag + "decoded", ours.equals(row.get("decoded").textValue()), "expected '" + row.get("decoded").textValue() + "' got '" + ours + "'");
                }
                if (tiny != null) {
                    ids(r, tag + "hf_tiny_ids", row.get("hf_tiny_ids"), tiny.encodeWithSpecials(prompt));
                    ids(r, tag + "hf_tiny_padded77", row.get("hf_tiny_padded77"), tiny.encodeForModel(prompt, ClipTokenizer.MODEL_MAX_LENGTH).ids());
                }
            }
            Path tensors = folder.resolve("tokenizer_golden.safetensors");
            if (Files.isRegularFile(tensors)) {
                try (GoldenFile g = r.open(tensors)) {
                    padded(r, g, "full_padded77", full, prompts);
                    if (tiny != null) padded(r, g, "tiny_padded77", tiny, prompts);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(folder + ": " + e.getMessage());
        }
        return r;
    }

    /** A stacked [prompts, 77] tensor of padded ids against the tokenizer's, prompt for prompt. */
    private static void padded(ParityReport r, GoldenFile g, String name, ClipTokenizer tokenizer, List<String> prompts) {
        if (!g.has(name)) return;
        int[][] ours = new int[prompts.size()][];
        for (int i = 0; i < ours.length; i++) ours[i] = tokenizer.encodeForModel(prompts.get(i), ClipTokenizer.MODEL_MAX_LENGTH).ids();
        r.compare(name + " (all prompts)", Nd4j.createFromArray(ours).castTo(DataType.LONG), g.get(name, DataType.LONG), 0);
    }

    private static void special(ParityReport r, JsonNode golden, String key, int ours) {
        if (!golden.has(key)) return;
        r.exact(key + " id", golden.get(key).intValue() == ours, "expected " + golden.get(key).intValue() + " got " + ours);
    }

    private static void ids(ParityReport r, String name, JsonNode expected, int[] actual) {
        if (expected == null) return;
        int[] e = toInts(expected);
        r.exact(name, Arrays.equals(e, actual), "expected " + Arrays.toString(e) + " got " + Arrays.toString(actual));
    }

    private static int[] toInts(JsonNode array) {
        int[] e = new int[array.size()];
        for (int i = 0; i < e.length; i++) e[i] = array.get(i).intValue();
        return e;
    }

    private static String shown(String prompt) {
        String s = prompt.length() > 40 ? prompt.substring(0, 37) + "..." : prompt;
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
