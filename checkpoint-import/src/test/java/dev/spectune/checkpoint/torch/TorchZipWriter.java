/*
 * TorchZipWriter (tests only): writes tensors as torch.save lays out {"state_dict": OrderedDict}
 * (pickle protocol 2 with the opcodes Python's pickler emits for it, see make_fixtures.py; each
 * storage a stored zip entry), so a golden safetensors checkpoint can be read back as a .ckpt.
 */
package dev.spectune.checkpoint.torch;

import dev.spectune.checkpoint.safetensors.DType;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

final class TorchZipWriter {
    private TorchZipWriter() {}

    static void write(SafetensorsFile source, Path out) throws IOException {
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[] {(byte) 0x80, 2, '}', '('});
        unicode(pkl, "state_dict");
        global(pkl, "collections", "OrderedDict");
        pkl.write(new byte[] {')', 'R', '('});
        int i = 0;
        for (TensorInfo t : source.tensors().values()) {
            unicode(pkl, t.name());
            global(pkl, "torch._utils", "_rebuild_tensor_v2");
            pkl.write(new byte[] {'(', '('});
            unicode(pkl, "storage");
            global(pkl, "torch", storageName(t.dtype()));
            unicode(pkl, Integer.toString(i++));
            unicode(pkl, "cpu");
            integer(pkl, t.elementCount());
            pkl.write(new byte[] {'t', 'Q'});
            integer(pkl, 0);
            long[] shape = t.shape(), stride = new long[shape.length];
            for (int d = shape.length - 1, s = 1; d >= 0; s *= (int) shape[d], d--) stride[d] = s;
            tuple(pkl, shape);
            tuple(pkl, stride);
            pkl.write(0x89);
            global(pkl, "collections", "OrderedDict");
            pkl.write(new byte[] {')', 'R', 't', 'R'});
        }
        pkl.write(new byte[] {'u', 'u', '.'});
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            stored(zip, "tiny/data.pkl", pkl.toByteArray());
            i = 0;
            for (TensorInfo t : source.tensors().values()) stored(zip, "tiny/data/" + i++, source.raw(t.name()));
            stored(zip, "tiny/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static String storageName(DType d) {
        for (Map.Entry<String, DType> e : RestrictedUnpickler.STORAGES.entrySet()) if (e.getValue() == d) return e.getKey();
        throw new IllegalArgumentException(d.toString());
    }

    static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static void unicode(OutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write('X');
        o.write(new byte[] {(byte) b.length, (byte) (b.length >> 8), (byte) (b.length >> 16), (byte) (b.length >> 24)});
        o.write(b);
    }

    private static void global(OutputStream o, String module, String name) throws IOException {
        o.write(('c' + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void integer(OutputStream o, long v) throws IOException {
        o.write('J');
        o.write(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }

    private static void tuple(OutputStream o, long[] values) throws IOException {
        o.write('(');
        for (long v : values) integer(o, v);
        o.write('t');
    }
}
