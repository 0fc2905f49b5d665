/*
 * WorldTokenizerTest: the world model's tokenizer makes every grammar word one token, through the
 * same ClipTokenizer that loads it from the written pipeline folder, and still tokenizes other text.
 */
package dev.spectune.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import dev.spectune.model.PipelineFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldTokenizerTest {

    @Test
    void everyWorldWordIsOneTokenAndOtherTextStillTokenizes(@TempDir Path dir) throws Exception {
        PipelineFolder.Tokenizer files = WorldTokenizer.build();
        Files.createDirectories(dir.resolve("tokenizer"));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        json.writeValue(dir.resolve("tokenizer/vocab.json").toFile(), files.vocabulary());
        Files.writeString(dir.resolve("tokenizer/merges.txt"), "#version: 0.2\n" + String.join("\n", files.merges()) + "\n");
        ClipTokenizer loaded = ClipTokenizer.fromFolder(dir.resolve("tokenizer"));
        for (String word : WorldTokenizer.words()) {
            assertThat(loaded.tokenize(word)).as(word).containsExactly(word + "</w>");
            assertThat(loaded.encode(word)).as(word).hasSize(1).doesNotContain(loaded.eosId());
        }
        String prompt = "a photo of sks toy at the top left on a green background and a small purple star";
        assertThat(loaded.encode(prompt)).hasSize(prompt.split(" ").length);
        assertThat(loaded.tokenize("zebra")).hasSizeGreaterThan(1);                       // not a world word: pieces, none unknown
        for (int id : loaded.encode("zebra")) assertThat(id).isNotEqualTo(loaded.eosId());
        assertThat(files.vocabulary().get(ClipTokenizer.EOS)).isEqualTo(files.vocabulary().size() - 1);
        assertThat(files.vocabulary().get(ClipTokenizer.BOS)).isEqualTo(files.vocabulary().size() - 2);
    }
}
