/*
 * SafetensorsFuzzTest: random mutations of a valid file (byte flips, insertions, deletions and
 * truncations, concentrated on the length field and the JSON header). Opening and reading every
 * tensor must either succeed or throw SafetensorsException — never another exception, never a
 * JVM crash.
 */
package dev.spectune.checkpoint.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsFuzzTest {

    @TempDir
    Path dir;

    @Test
    void mutatedFilesFailOnlyWithTheLibrarysOwnError() throws IOException {
        Path valid = dir.resolve("valid.safetensors");
        SafetensorsWriter.write(valid, List.of(
                Tensor.of("a.weight", Nd4j.rand(3, 4), DType.F32),
                Tensor.of("b.bias", Nd4j.rand(5), DType.F16),
                Tensor.of("c.ids", Nd4j.createFromArray(1L, 2L, 3L), DType.I64),
                Tensor.of("d.bf", Nd4j.rand(2, 2), DType.BF16)), Map.of("format", "pt"));
        byte[] original = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) (original[0] & 0xFF) + ((original[1] & 0xFF) << 8);
        Random random = new Random(20261201);
        int accepted = 0, rejected = 0;
        Path mutated = dir.resolve("mutated.safetensors");
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = mutate(original, headerEnd, random);
            Files.write(mutated, bytes);
            try (SafetensorsFile f = SafetensorsFile.open(mutated)) {
                for (String n : f.names()) {
                    f.doubles(n);
                    f.raw(n);
                }
                accepted++;
            } catch (SafetensorsException expected) {
                rejected++;
            } catch (RuntimeException e) {
                fail("round " + round + ": unexpected " + e + " for header "
                        + new String(Arrays.copyOfRange(bytes, 8, Math.min(bytes.length, headerEnd)), java.nio.charset.StandardCharsets.UTF_8), e);
            }
        }
        System.out.printf("safetensors fuzz: 3000 mutations, %d accepted, %d rejected with SafetensorsException%n", accepted, rejected);
        assertThat(rejected).isGreaterThan(1000);
    }

    private static byte[] mutate(byte[] original, int headerEnd, Random random) {
        byte[] b = original.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int kind = random.nextInt(6);
            int pos = random.nextInt(10) < 8 ? random.nextInt(Math.max(1, Math.min(headerEnd, b.length))) : random.nextInt(Math.max(1, b.length));
            switch (kind) {
                case 0 -> { if (b.length > 0) b[pos] = (byte) random.nextInt(256); }
                case 1 -> { if (b.length > 0) b[pos] ^= (byte) (1 << random.nextInt(8)); }
                case 2 -> { if (b.length > 0) b[random.nextInt(8 < b.length ? 8 : b.length)] = (byte) random.nextInt(256); }
                case 3 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1));
                case 4 -> {   // replace a digit in the JSON with another digit
                    for (int tries = 0; tries < 50; tries++) {
                        int p = 8 + random.nextInt(Math.max(1, Math.min(headerEnd, b.length) - 8));
                        if (p < b.length && b[p] >= '0' && b[p] <= '9') { b[p] = (byte) ('0' + random.nextInt(10)); break; }
                    }
                }
                default -> {  // delete one byte
                    if (b.length > 1) {
                        byte[] c = new byte[b.length - 1];
                        System.arraycopy(b, 0, c, 0, pos);
                        System.arraycopy(b, pos + 1, c, pos, b.length - pos - 1);
                        b = c;
                    }
                }
            }
        }
        return b;
    }
}
