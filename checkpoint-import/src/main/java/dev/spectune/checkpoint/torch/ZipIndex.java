/*
 * ZipIndex: the entries of a zip file and where each one's bytes start, read from its central
 * directory (PKWARE APPNOTE 6.3.x, sections 4.3.12–4.3.16, with the ZIP64 end records that files
 * over 4 GiB — an SD-1.5 .ckpt — carry). java.util.zip does not say where an entry's data lies;
 * a PyTorch checkpoint's tensors are stored entries (method 0), read in place from there.
 */
package dev.spectune.checkpoint.torch;

import dev.spectune.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

record ZipIndex(Path path, Map<String, Entry> entries) {

    /** One entry: its compression method (0 stored), sizes and the file offset of its first data byte. */
    record Entry(String name, int method, long compressedSize, long size, long dataOffset) {}

    static ZipIndex read(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        int tail = (int) Math.min(size, 65_557);                                      // EOCD (22) + the longest comment
        ByteBuffer end = read(ch, size - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) if (end.getInt(i) == 0x06054b50) { eocd = i; break; }
        if (eocd < 0) throw new CheckpointException(path + ": not a zip file (no end-of-central-directory record): not a PyTorch zip checkpoint");
        long count = end.getShort(eocd + 10) & 0xFFFF, dirSize = end.getInt(eocd + 12) & 0xFFFFFFFFL, dirOffset = end.getInt(eocd + 16) & 0xFFFFFFFFL;
        if (count == 0xFFFF || dirSize == 0xFFFFFFFFL || dirOffset == 0xFFFFFFFFL) {   // ZIP64: the locator sits right before the EOCD
            long locator = size - tail + eocd - 20;
            ByteBuffer loc = read(ch, locator, 20);
            if (loc.getInt(0) != 0x07064b50) throw new CheckpointException(path + ": a ZIP64 file without its ZIP64 locator");
            ByteBuffer z = read(ch, loc.getLong(8), 56);
            if (z.getInt(0) != 0x06064b50) throw new CheckpointException(path + ": the ZIP64 end record is missing");
            count = z.getLong(32);
            dirSize = z.getLong(40);
            dirOffset = z.getLong(48);
        }
        if (dirOffset + dirSize > size || dirSize > Integer.MAX_VALUE) throw new CheckpointException(path + ": the zip's central directory lies outside the file");
        ByteBuffer dir = read(ch, dirOffset, (int) dirSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long n = 0; n < count; n++) {
            if (p + 46 > dir.limit() || dir.getInt(p) != 0x02014b50) throw new CheckpointException(path + ": damaged zip central directory (entry " + n + ")");
            int method = dir.getShort(p + 10) & 0xFFFF;
            long compressed = dir.getInt(p + 20) & 0xFFFFFFFFL, plain = dir.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLength = dir.getShort(p + 28) & 0xFFFF, extraLength = dir.getShort(p + 30) & 0xFFFF, commentLength = dir.getShort(p + 32) & 0xFFFF;
            long local = dir.getInt(p + 42) & 0xFFFFFFFFL;
            byte[] nameBytes = new byte[nameLength];
            dir.get(p + 46, nameBytes);
            int x = p + 46 + nameLength, xEnd = x + extraLength;
            while (x + 4 <= xEnd) {                                                    // ZIP64 extra field: the 0xFFFFFFFF values, in order
                int id = dir.getShort(x) & 0xFFFF, len = dir.getShort(x + 2) & 0xFFFF;
                if (id == 1) {
                    int q = x + 4;
                    if (plain == 0xFFFFFFFFL) { plain = dir.getLong(q); q += 8; }
                    if (compressed == 0xFFFFFFFFL) { compressed = dir.getLong(q); q += 8; }
                    if (local == 0xFFFFFFFFL) local = dir.getLong(q);
                }
                x += 4 + len;
            }
            ByteBuffer header = read(ch, local, 30);
            if (header.getInt(0) != 0x04034b50) throw new CheckpointException(path + ": damaged zip local header for entry " + n);
            long data = local + 30 + (header.getShort(26) & 0xFFFF) + (header.getShort(28) & 0xFFFF);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            entries.put(name, new Entry(name, method, compressed, plain, data));
            p = xEnd + commentLength;
        }
        return new ZipIndex(path, entries);
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file at " + (at + b.position()));
        }
        return b.flip();
    }

    /** The bytes of a small entry (the pickle), which must be stored or deflated. */
    byte[] bytes(FileChannel ch, Entry e) throws IOException {
        if (e.compressedSize() > 1L << 30) throw new CheckpointException(path + ": entry " + e.name() + " is over 1 GiB");
        byte[] raw = new byte[(int) e.compressedSize()];
        read(ch, e.dataOffset(), raw.length).get(raw);
        if (e.method() == 0) return raw;
        if (e.method() != 8) throw new CheckpointException(path + ": entry " + e.name() + " uses zip method " + e.method() + " (expected stored or deflated)");
        java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
        try {
            inflater.setInput(raw);
            byte[] out = new byte[(int) e.size()];
            int n = inflater.inflate(out);
            if (n != out.length) throw new CheckpointException(path + ": entry " + e.name() + " inflates to " + n + " bytes, not " + out.length);
            return out;
        } catch (java.util.zip.DataFormatException ex) {
            throw new CheckpointException(path + ": entry " + e.name() + " does not inflate: " + ex.getMessage());
        } finally {
            inflater.end();
        }
    }
}
