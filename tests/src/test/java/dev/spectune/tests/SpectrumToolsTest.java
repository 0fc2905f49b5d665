/*
 * SpectrumToolsTest: `spectrum` and `verify-decomp` on the SD-topology golden UNet — the CSV and
 * readable PNGs, every attention layer within 1e-10 of EJML in double, a corrupted decomposition
 * cache caught and named, and `spectrum --adapter` telling a SODA rotation (angles > 0 on the input
 * side only) from an SVDiff spectrum shift (angles 0).
 */
package dev.spectune.tests;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.optim.ParamKind;
import dev.spectune.linalg.Qr;
import dev.spectune.testing.TestFixtures;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.adapters.io.WeightSvdCache;
import dev.spectune.spectrum.LayerSelection;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SpectrumToolsTest {

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    private static Path unet() {
        return TestFixtures.path("golden/unet_sd_topology");
    }

    @Test
    void spectrumWritesCsvAndReadablePlots(@TempDir Path dir) throws Exception {
        var r = CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--out", dir.resolve("report").toString(),
                "--cache", dir.resolve("svd").toString());
        System.out.println(r.out());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> rows = Files.readAllLines(dir.resolve("report/spectrum.csv"));
        int layers = LayerSelection.read(unet(), "unet", AdapterInjector.UNET_ATTENTION, DataType.FLOAT).size();
        assertThat(layers).isGreaterThan(8);
        assertThat(rows).hasSize(layers + 1);
        assertThat(rows.get(0)).startsWith("layer,block,rows,cols,spectral_norm,stable_rank,effective_rank,energy_top1");
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            double top1 = Double.parseDouble(f[7]), top32 = Double.parseDouble(f[11]);
            assertThat(top1).isBetween(0.0, 1.0);
            assertThat(top32).isGreaterThanOrEqualTo(top1).isLessThanOrEqualTo(1.0 + Tolerances.ROUNDED_F32_REL);
            assertThat(Double.parseDouble(f[5])).as("stable rank ≥ 1").isGreaterThanOrEqualTo(1.0 - 1e-6);
        }
        try (var pngs = Files.list(dir.resolve("report"))) {
            List<Path> images = pngs.filter(p -> p.toString().endsWith(".png")).toList();
            assertThat(images).extracting(p -> p.getFileName().toString()).contains("energy_heatmap.png").anyMatch(n -> n.startsWith("singular_values_"));
            for (Path p : images) {
                BufferedImage image = ImageIO.read(p.toFile());
                assertThat(image).as(p.toString()).isNotNull();
                assertThat(image.getWidth()).isGreaterThanOrEqualTo(800);
                assertThat(distinctColours(image)).as("a drawn chart in " + p).isGreaterThan(20);
            }
        }
        // the second run reuses every decomposition from the cache
        var again = CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--out", dir.resolve("report2").toString(),
                "--cache", dir.resolve("svd").toString());
        assertThat(again.out()).contains(layers + " decompositions from the cache");
        assertThat(Files.readString(dir.resolve("report2/singular_values.csv"))).isEqualTo(Files.readString(dir.resolve("report/singular_values.csv")));
    }

    @Test
    void randomizedSpectrumReportsItsErrorAgainstTheFullSvd(@TempDir Path dir) throws Exception {
        var r = CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--out", dir.toString(),
                "--randomized", "4", "--randomized-min-side", "16", "--randomized-check");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("randomized top-4 SVD on \\d+ layers .*against the full SVD: worst relative singular value error");
        List<String> rows = Files.readAllLines(dir.resolve("spectrum.csv"));
        assertThat(rows.get(0)).endsWith(",randomized_top_r,randomized_max_rel_sv_error,randomized_subspace_sine");
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",", -1);
            assertThat(f[14]).isEqualTo("4");
            assertThat(Double.parseDouble(f[15])).as("top-4 singular values of " + f[0]).isLessThan(Tolerances.SPECTRUM_REPORT_F32);
            assertThat(f[6]).as("effective rank needs every singular value").isEqualTo("NaN");
        }
    }

    @Test
    void verifyDecompPassesInDoubleAndCatchesACorruptedCache(@TempDir Path dir) throws Exception {
        var r = CheckpointCliTest.run("verify-decomp", "--model", unet().toString(), "--precision", "double");
        System.out.println(r.out());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).containsPattern("verify-decomp: (\\d+)/\\1 layers within 1e-10 \\(double\\)");

        Path cache = dir.resolve("svd");
        assertThat(CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--precision", "double", "--out", dir.resolve("r").toString(),
                "--cache", cache.toString()).code()).isZero();
        var clean = CheckpointCliTest.run("verify-decomp", "--model", unet().toString(), "--cache", cache.toString());
        assertThat(clean.code()).as(clean.out()).isZero();
        assertThat(clean.out()).contains(" cache ");

        // Corrupt one kept decomposition in place: the file its weight's hash names.
        Map<String, INDArray> weights = dev.spectune.spectrum.LayerSelection.read(unet(), "unet", dev.spectune.adapters.AdapterInjector.UNET_ATTENTION,
                DataType.DOUBLE);
        String victim = weights.keySet().stream().filter(k -> k.contains("attn2.to_v")).findFirst().orElseThrow();
        WeightSvdCache kept = new WeightSvdCache(cache);
        Svd svd = kept.lookup(victim, weights.get(victim)).orElseThrow();
        INDArray u = svd.u().dup();
        u.putScalar(3, 1, u.getDouble(3, 1) + 1e-4);
        kept.store(victim, weights.get(victim), new Svd(u, svd.s(), svd.vt()));
        var corrupted = CheckpointCliTest.run("verify-decomp", "--model", unet().toString(), "--cache", cache.toString());
        System.out.println(corrupted.out());
        assertThat(corrupted.code()).isEqualTo(1);
        assertThat(corrupted.out()).containsPattern(java.util.regex.Pattern.quote(victim) + ".*FAIL");
        assertThat(corrupted.out().lines().filter(l -> l.endsWith("FAIL") || l.contains("FAIL:")).count()).isEqualTo(1);
    }

    @Test
    void spectrumOfAnAdapterTellsRotationFromSpectrumShift(@TempDir Path dir) throws Exception {
        Path soda = writeAdapter(dir.resolve("soda"), "soda-svd");
        Path svdiff = writeAdapter(dir.resolve("svdiff"), "svdiff");
        var a = CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--adapter", soda.toString(), "--out", dir.resolve("soda-report").toString());
        var b = CheckpointCliTest.run("spectrum", "--model", unet().toString(), "--adapter", svdiff.toString(), "--out", dir.resolve("svdiff-report").toString());
        System.out.println(a.out() + b.out());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(dir.resolve("soda-report/adapter_change.png")).isRegularFile();
        for (String row : Files.readAllLines(dir.resolve("soda-report/spectrum.csv")).subList(1, 5)) {
            String[] f = row.split(",");
            assertThat(Double.parseDouble(f[18])).as("left angle, SODA input-side rotation: " + f[0]).isLessThan(Tolerances.SPECTRUM_REPORT_F32);
            assertThat(Double.parseDouble(f[19])).as("right angle, SODA: " + f[0]).isGreaterThan(1.0);
            assertThat(Double.parseDouble(f[21])).as("singular values kept by a pure rotation").isLessThan(Tolerances.MODEL_OUTPUT_F32_REL * Double.parseDouble(f[4]));
        }
        for (String row : Files.readAllLines(dir.resolve("svdiff-report/spectrum.csv")).subList(1, 5)) {
            String[] f = row.split(",");
            assertThat(Math.max(Double.parseDouble(f[18]), Double.parseDouble(f[19]))).as("SVDiff keeps the singular vectors: " + f[0]).isLessThan(Tolerances.SPECTRUM_REPORT_F32);
            assertThat(Double.parseDouble(f[21])).as("SVDiff shifts the spectrum").isGreaterThan(1e-3 * Double.parseDouble(f[4]));
        }
    }

    /** An adapter folder with non-trivial values: SODA's factors random orthogonal, SVDiff's δ = 0.2·s (order kept). */
    private static Path writeAdapter(Path dir, String method) throws Exception {
        Map<String, INDArray> weights = LayerSelection.read(unet(), "unet", AdapterInjector.UNET_ATTENTION, DataType.FLOAT);
        SameDiff sd = SameDiff.create();
        weights.forEach((k, w) -> sd.constant(k, w));
        AdapterSpec spec = AdapterSpec.defaults(method);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, AdapterInjector.UNET_ATTENTION, spec.builder());
        Nd4j.getRandom().setSeed(5);
        for (AdaptedWeight layer : layers) {
            for (AdapterParameter p : layer.parameters()) {
                if (p.kind() == ParamKind.STIEFEL) {
                    p.value().assign(Qr.qr(Nd4j.randn(DataType.DOUBLE, p.value().rows(), p.value().columns())).q());
                } else if (method.equals("svdiff")) {
                    p.value().assign(Svd.of(layer.base()).s().mul(0.2));
                }
            }
        }
        AdapterDirectory.save(dir, spec, AdapterInjector.UNET_ATTENTION.pattern(), "test", layers);
        return dir;
    }

    private static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) for (int x = 0; x < image.getWidth(); x += 3) colours.add(image.getRGB(x, y));
        return colours.size();
    }
}
