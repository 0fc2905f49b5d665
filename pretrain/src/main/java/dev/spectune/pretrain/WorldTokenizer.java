/*
 * WorldTokenizer: the world model's CLIP tokenizer — a byte-level BPE vocabulary (OpenAI's
 * simple_tokenizer layout: the 256 byte symbols, the same with "</w>", then merge products, then
 * <|startoftext|> and <|endoftext|>) whose merges make every word the world's grammar uses one
 * token, as CLIP's own 49,408-token vocabulary does for these words. Any other text still
 * tokenizes, byte by byte. Built, not copied: the merges are found by running the tokenizer
 * itself (ClipTokenizer) on each word and adding, at the lowest priority, a merge of the first
 * two symbols it still splits into, until the word is one token. A later merge never changes an
 * earlier word (BPE always applies the best-ranked pair present, and an earlier word always has
 * one of its own), so the order of words is the only input.
 */
package dev.spectune.pretrain;

import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.PipelineFolder;
import dev.spectune.world.Caption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class WorldTokenizer {
    private WorldTokenizer() {}

    /** Words beyond the grammar's: the subject identifier and the demo's subject noun. */
    public static final List<String> EXTRA_WORDS = List.of(Caption.IDENTIFIER, "toy");

    /** Every word that is one token: the grammar's vocabulary, then {@link #EXTRA_WORDS}. */
    public static List<String> words() {
        Set<String> words = new LinkedHashSet<>(Caption.vocabulary());
        words.addAll(EXTRA_WORDS);
        return List.copyOf(words);
    }

    /** The tokenizer's vocabulary and merges. */
    public static PipelineFolder.Tokenizer build() {
        List<String[]> merges = new ArrayList<>();
        for (String word : words()) {
            while (true) {
                List<String> pieces = tokenizer(ClipTokenizer.byteLevelVocabulary(), merges).tokenize(word);
                if (pieces.size() == 1) break;
                merges.add(new String[] {pieces.get(0), pieces.get(1)});
            }
        }
        Map<String, Integer> vocabulary = ClipTokenizer.byteLevelVocabulary();
        for (String[] m : merges) vocabulary.putIfAbsent(m[0] + m[1], vocabulary.size());
        vocabulary.put(ClipTokenizer.BOS, vocabulary.size());
        vocabulary.put(ClipTokenizer.EOS, vocabulary.size());
        List<String> lines = new ArrayList<>();
        for (String[] m : merges) lines.add(m[0] + " " + m[1]);
        return new PipelineFolder.Tokenizer(vocabulary, lines);
    }

    /** The tokenizer a pipeline folder with {@link #build()}'s files loads. */
    public static ClipTokenizer tokenizer(PipelineFolder.Tokenizer t) {
        List<String[]> merges = new ArrayList<>();
        for (String line : t.merges()) merges.add(line.split(" "));
        return tokenizer(t.vocabulary(), merges);
    }

    private static ClipTokenizer tokenizer(Map<String, Integer> vocabulary, List<String[]> merges) {
        Map<String, Integer> v = new LinkedHashMap<>(vocabulary);
        v.putIfAbsent(ClipTokenizer.BOS, v.size());
        v.putIfAbsent(ClipTokenizer.EOS, v.size());
        return new ClipTokenizer(v, merges, ClipTokenizer.EOS, ClipTokenizer.EOS);
    }
}
