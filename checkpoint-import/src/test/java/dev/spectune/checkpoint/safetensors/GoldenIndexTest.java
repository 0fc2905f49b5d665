/*
 * GoldenIndexTest: every safetensors file under shared/golden opens, and its size, sha256, tensor
 * count, names, dtypes and shapes are those INDEX.md and MANIFEST.json list; every tensor decodes.
 */
package dev.spectune.checkpoint.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.testing.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GoldenIndexTest {

    record Listed(String dtype, String shape) {}

    record Section(String file, long bytes, int count, Map<String, Listed> tensors) {}

    private static final Pattern SECTION = Pattern.compile("^## (\\S+)\\s+\\((\\d+) bytes, (\\d+) tensors\\)");
    private static final Pattern TENSOR = Pattern.compile("^  - `([^`]+)` (\\w+) (\\[[^\\]]*\\])");

    static List<Section> parseIndex(Path index) throws IOException {
        List<Section> sections = new ArrayList<>();
        Section current = null;
        for (String line : Files.readAllLines(index)) {
            Matcher s = SECTION.matcher(line);
            if (s.find()) {
                current = new Section(s.group(1), Long.parseLong(s.group(2)), Integer.parseInt(s.group(3)), new LinkedHashMap<>());
                sections.add(current);
                continue;
            }
            Matcher t = TENSOR.matcher(line);
            if (t.find() && current != null) current.tensors().put(t.group(1), new Listed(t.group(2), t.group(3)));
        }
        return sections;
    }

    static String torchName(DType d) {
        return switch (d) {
            case F64 -> "float64"; case F32 -> "float32"; case F16 -> "float16"; case BF16 -> "bfloat16";
            case I64 -> "int64"; case I32 -> "int32"; case I16 -> "int16"; case I8 -> "int8";
            case U8 -> "uint8"; case BOOL -> "bool";
        };
    }

    @Test
    void everyGoldenFileMatchesIndexAndManifest() throws IOException {
        Path golden = TestFixtures.path("golden");
        List<Section> sections = parseIndex(golden.resolve("INDEX.md"));
        JsonNode manifest = new ObjectMapper().readTree(golden.resolve("MANIFEST.json").toFile()).get("files");
        assertThat(sections).hasSizeGreaterThan(40);
        int tensorsChecked = 0, hashesChecked = 0;
        for (Section section : sections) {
            Path file = golden.resolve(section.file());
            assertThat(Files.size(file)).as(section.file()).isEqualTo(section.bytes());
            JsonNode entry = manifest.get(section.file());
            if (entry != null && entry.has("sha256")) {
                assertThat(dev.spectune.checkpoint.Sha256.of(file)).as(section.file() + " sha256").isEqualTo(entry.get("sha256").asText());
                hashesChecked++;
            }
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertThat(f.names()).as(section.file()).hasSize(section.count());
                for (Map.Entry<String, Listed> listed : section.tensors().entrySet()) {
                    TensorInfo info = f.info(listed.getKey());
                    assertThat(torchName(info.dtype())).as(section.file() + " " + listed.getKey()).isEqualTo(listed.getValue().dtype());
                    assertThat(java.util.Arrays.toString(info.shape())).as(section.file() + " " + listed.getKey())
                            .isEqualTo(listed.getValue().shape());
                    tensorsChecked++;
                }
                for (String name : f.names()) {
                    double[] values = f.doubles(name);
                    assertThat(values.length).isEqualTo(f.info(name).elementCount());
                }
            }
        }
        System.out.printf("golden: %d files, %d listed tensors checked, %d sha256 verified%n", sections.size(), tensorsChecked, hashesChecked);
        assertThat(tensorsChecked).isGreaterThan(2000);
    }

    @Test
    void realTaef2WeightsAreFp16AndDecodeFinite() {
        Path file = TestFixtures.path("golden/taef2_real/taef2.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            long fp16 = f.tensors().values().stream().filter(t -> t.dtype() == DType.F16).count();
            assertThat(fp16).isPositive();
            for (String name : f.names()) {
                for (float v : f.floats(name)) assertThat(Float.isFinite(v)).as(name).isTrue();
            }
        }
    }
}
