/*
 * ClipTokenizerTest: token ids equal transformers' CLIPTokenizer (ftfy path) and openai's
 * simple_tokenizer for all 64 golden prompts, with the full CLIP-L vocabulary, the tiny 1000-token
 * one and the bpe_simple_vocab_16e6.txt.gz, padded and unpadded.
 */
package dev.spectune.checkpoint.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClipTokenizerTest {

    static JsonNode golden;
    static ClipTokenizer full, tiny, openai;

    @BeforeAll
    static void load() throws IOException {
        golden = new ObjectMapper().readTree(TestFixtures.path("golden/tokenizer/tokenizer_golden.json").toFile());
        full = ClipTokenizer.fromFolder(TestFixtures.path("golden/tokenizer/clip_full"));
        tiny = ClipTokenizer.fromFolder(TestFixtures.path("golden/tokenizer/clip_tiny1000"));
        openai = ClipTokenizer.fromBpeGz(TestFixtures.path("artifacts/clip-tokenizer/bpe_simple_vocab_16e6.txt.gz"));
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    @Test
    void specialIdsMatchGolden() {
        assertThat(full.bosId()).isEqualTo(golden.get("bos").intValue());
        assertThat(full.eosId()).isEqualTo(golden.get("eos_pad").intValue());
        assertThat(full.padId()).isEqualTo(golden.get("eos_pad").intValue());
        assertThat(tiny.bosId()).isEqualTo(golden.get("tiny_bos").intValue());
        assertThat(tiny.padId()).isEqualTo(golden.get("tiny_eos_pad").intValue());
        assertThat(openai.vocabSize()).isEqualTo(49408);
    }

    @Test
    void allGoldenPromptsExact() {
        List<String> mismatches = new ArrayList<>();
        int rows = 0;
        for (JsonNode row : golden.get("rows")) {
            String prompt = row.get("prompt").textValue();
            check(mismatches, prompt, "full", ints(row.get("hf_full_ids")), full.encodeWithSpecials(prompt));
            check(mismatches, prompt, "full padded", ints(row.get("hf_full_padded77")), full.encodeForModel(prompt, 77).ids());
            check(mismatches, prompt, "tiny", ints(row.get("hf_tiny_ids")), tiny.encodeWithSpecials(prompt));
            check(mismatches, prompt, "tiny padded", ints(row.get("hf_tiny_padded77")), tiny.encodeForModel(prompt, 77).ids());
            check(mismatches, prompt, "openai", ints(row.get("openai_simple_ids")), openai.encode(prompt));
            List<String> tokens = new ArrayList<>();
            row.get("hf_full_tokens").forEach(t -> tokens.add(t.textValue()));
            if (!full.tokenize(prompt).equals(tokens)) mismatches.add(prompt + " tokens " + full.tokenize(prompt) + " != " + tokens);
            rows++;
        }
        System.out.printf("tokenizer golden: %d prompts x 5 id sequences, %d mismatches%n", rows, mismatches.size());
        assertThat(rows).isEqualTo(64);
        assertThat(mismatches).isEmpty();
    }

    private static void check(List<String> mismatches, String prompt, String what, int[] expected, int[] actual) {
        if (!java.util.Arrays.equals(expected, actual)) {
            mismatches.add(what + " '" + prompt + "': expected " + java.util.Arrays.toString(expected) + " got " + java.util.Arrays.toString(actual));
        }
    }

    @Test
    void truncationIsReported() {
        String longPrompt = "a photo of a dog ".repeat(30);
        ClipTokenizer.Encoded e = full.encodeForModel(longPrompt, 77);
        assertThat(e.ids()).hasSize(77);
        assertThat(e.ids()[76]).isEqualTo(full.eosId());
        assertThat(e.truncatedTokens()).isEqualTo(full.encode(longPrompt).length - 75).isPositive();
        assertThat(full.encodeForModel("a dog", 77).truncatedTokens()).isZero();
    }

    @Test
    void textCleaningFollowsFtfy() {
        assertThat(TextCleaner.clean("  A\tPhoto\n\nOF  a DOG ")).isEqualTo("a photo of a dog");
        assertThat(TextCleaner.clean("&amp; &lt;b&gt;")).isEqualTo("& <b>");
        assertThat(TextCleaner.clean("<b>&amp;</b>")).isEqualTo("<b>&amp;</b>");                // looks like HTML: left alone
        assertThat(TextCleaner.clean("\u201Cquoted\u201D \u2018it\u2019s\u2019")).isEqualTo("\"quoted\" 'it's'");
        assertThat(TextCleaner.clean("\uFB01ne \uFF21\uFF22\u3000c")).isEqualTo("fine ab c");
        assertThat(TextCleaner.clean("cafe\u0301")).isEqualTo("caf\u00E9");                      // NFC
        assertThat(TextCleaner.clean("a\u0000b\u001b[31mred")).isEqualTo("abred");
    }
}
