/*
 * ZipIndexTest: the entry offsets ZipIndex reads from the central directory point at each entry's
 * bytes, in a plain zip and in one with more entries than the classic end record can count
 * (java.util.zip then writes the ZIP64 end records, as it does for an SD .ckpt over 4 GiB).
 */
package dev.spectune.checkpoint.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipIndexTest {

    @Test
    void offsetsPointAtEachEntrysBytesWithAndWithoutZip64(@TempDir Path dir) throws Exception {
        for (int count : new int[] {3, 70_000}) {
            Path zip = dir.resolve("z" + count + ".zip");
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                for (int i = 0; i < count; i++) {
                    TorchZipWriter.stored(out, "archive/data/" + i, ("entry " + i).getBytes(StandardCharsets.US_ASCII));
                }
            }
            try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
                ZipIndex index = ZipIndex.read(zip, ch);
                assertThat(index.entries()).hasSize(count);
                for (int i : new int[] {0, count / 2, count - 1}) {
                    ZipIndex.Entry e = index.entries().get("archive/data/" + i);
                    ByteBuffer b = ByteBuffer.allocate((int) e.size());
                    ch.read(b, e.dataOffset());
                    assertThat(new String(b.array(), StandardCharsets.US_ASCII)).as(count + " entries, entry " + i).isEqualTo("entry " + i);
                }
            }
        }
    }
}
