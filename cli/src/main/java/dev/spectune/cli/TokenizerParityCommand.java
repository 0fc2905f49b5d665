/*
 * TokenizerParityCommand: `spectune parity tokenizer <folder>` — token ids for every prompt of
 * tokenizer_golden.json, with the full vocabulary (clip_full/) and the tiny one (clip_tiny1000/),
 * unpadded and padded to 77, against transformers' CLIPTokenizer (ftfy path).
 */
package dev.spectune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.checkpoint.tokenizer.ClipTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Token ids against tokenizer_golden.json (full and tiny vocabularies, padded and unpadded).")
public final class TokenizerParityCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FOLDER", description = "Folder with tokenizer_golden.json, clip_full/ and clip_tiny1000/.")
    Path folder;

    @Override
    public Integer call() throws Exception {
        Path goldenFile = folder.resolve("tokenizer_golden.json");
        if (!Files.isRegularFile(goldenFile)) throw new IllegalArgumentException(folder + ": no tokenizer_golden.json");
        JsonNode golden = new ObjectMapper().readTree(goldenFile.toFile());
        ClipTokenizer full = ClipTokenizer.fromFolder(folder.resolve("clip_full"));
        ClipTokenizer tiny = Files.isDirectory(folder.resolve("clip_tiny1000")) ? ClipTokenizer.fromFolder(folder.resolve("clip_tiny1000")) : null;
        int exact = 0, total = 0;
        for (JsonNode row : golden.get("rows")) {
            String prompt = row.get("prompt").textValue();
            List<String> failures = new ArrayList<>();
            compare(failures, "full", row.get("hf_full_ids"), full.encodeWithSpecials(prompt));
            compare(failures, "full padded77", row.get("hf_full_padded77"), full.encodeForModel(prompt, 77).ids());
            if (tiny != null) {
                compare(failures, "tiny", row.get("hf_tiny_ids"), tiny.encodeWithSpecials(prompt));
                compare(failures, "tiny padded77", row.get("hf_tiny_padded77"), tiny.encodeForModel(prompt, 77).ids());
            }
            total++;
            if (failures.isEmpty()) exact++;
            String shown = prompt.length() > 70 ? prompt.substring(0, 67) + "..." : prompt;
            System.out.printf("%-4s %3d ids  %s%s%n", failures.isEmpty() ? "ok" : "FAIL", row.get("hf_full_ids").size(),
                    new ObjectMapper().writeValueAsString(shown), failures.isEmpty() ? "" : "  " + String.join("; ", failures));
        }
        System.out.printf("parity tokenizer: %d/%d exact%n", exact, total);
        return exact == total ? 0 : 1;
    }

    private static void compare(List<String> failures, String what, JsonNode expected, int[] actual) {
        if (expected == null) return;
        int[] e = new int[expected.size()];
        for (int i = 0; i < e.length; i++) e[i] = expected.get(i).intValue();
        if (!Arrays.equals(e, actual)) failures.add(what + " expected " + Arrays.toString(e) + " got " + Arrays.toString(actual));
    }
}
