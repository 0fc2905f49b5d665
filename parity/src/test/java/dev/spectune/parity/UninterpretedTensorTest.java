/*
 * UninterpretedTensorTest: every parity runner fails, naming it, on a golden file that holds a
 * tensor it cannot interpret. The golden folder is mirrored in a temporary fixtures tree (links to
 * the shared files, so sibling folders a runner reads stay where it expects them) with the kind's
 * probe file rewritten byte for byte plus one tensor of an unknown name.
 */
package dev.spectune.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.checkpoint.safetensors.Tensor;
import dev.spectune.checkpoint.safetensors.TensorInfo;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UninterpretedTensorTest {

    static final String UNKNOWN = "spectune_probe.not_a_golden_name";

    @ParameterizedTest
    @EnumSource(ParityKind.class)
    void runnerFailsNamingTheTensor(ParityKind kind, @TempDir Path temp) throws IOException {
        String folder = kind.certified().get(0).folder();
        Path golden = TestFixtures.path(folder);
        Path copy = mirror(golden, temp);
        Path probe = copy.resolve(kind.probe());
        Files.delete(probe);
        withExtraTensor(golden.resolve(kind.probe()), probe);

        ParityReport r = kind.run(copy);
        System.out.println(r.summary());
        assertThat(r.allPass()).as(kind.id() + " passed with an uninterpretable tensor").isFalse();
        assertThat(r.counted()).filteredOn(l -> !l.ok())
                .extracting(ParityReport.Line::name)
                .containsExactly(kind.probe() + ": " + UNKNOWN);
    }

    /** temp/<fixtures layout>: the golden folder's parent mirrored by links, the folder itself a real directory of links. */
    private static Path mirror(Path golden, Path temp) throws IOException {
        Path parent = temp.resolve(golden.getParent().getFileName());
        Files.createDirectories(parent);
        try (Stream<Path> siblings = Files.list(golden.getParent())) {
            for (Path s : siblings.toList()) if (!s.equals(golden)) Files.createSymbolicLink(parent.resolve(s.getFileName()), s);
        }
        Path copy = Files.createDirectories(parent.resolve(golden.getFileName()));
        try (Stream<Path> entries = Files.list(golden)) {
            for (Path e : entries.toList()) Files.createSymbolicLink(copy.resolve(e.getFileName()), e);
        }
        return copy;
    }

    /** The file's tensors and metadata, unchanged, and one more tensor of an unknown name. */
    private static void withExtraTensor(Path from, Path to) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            for (String n : f.names()) {
                TensorInfo info = f.info(n);
                tensors.add(new Tensor(n, info.dtype(), info.shape(), f.raw(n)));
            }
            tensors.add(Tensor.ofFloats(UNKNOWN, new float[] {1, 2, 3}, 3));
            SafetensorsWriter.write(to, tensors, f.metadata());
        }
    }
}
