/*
 * WeightSvdCacheTest: the SVDs adapters start from are computed once per weight and then read back
 * bit for bit, in either precision; a corrupted entry is decomposed again with a warning; a folder
 * that cannot be written only costs the caching.
 */
package dev.spectune.adapters.io;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.adapters.io.WeightSvdCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class WeightSvdCacheTest {

    static List<AdaptedWeight> inject(WeightSvdCache cache, DataType type) {
        SameDiff sd = SameDiff.create();
        Nd4j.getRandom().setSeed(21);
        for (int i = 0; i < 3; i++) sd.constant("blocks." + i + ".to_q.weight", Nd4j.randn(type, 24, 16));
        return AdapterInjector.inject(sd, Pattern.compile(".*to_q\\.weight"), AdapterSpec.defaults("soda-svd").builder(Map.of(), cache));
    }

    @Test
    void secondRunReadsTheSameBits(@TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            WeightSvdCache first = new WeightSvdCache(dir), second = new WeightSvdCache(dir);
            List<AdaptedWeight> a = inject(first, type), b = inject(second, type);
            assertThat(first.misses()).isEqualTo(3);
            assertThat(first.hits()).isZero();
            assertThat(second.hits()).isEqualTo(3);
            assertThat(second.misses()).isZero();
            for (int i = 0; i < 3; i++) assertThat(b.get(i).merged()).isEqualTo(a.get(i).merged());
            Svd fresh = Svd.of(a.get(0).base());
            Svd cached = new WeightSvdCache(dir).svd("k", a.get(0).base());
            assertThat(cached.u()).isEqualTo(fresh.u());
            assertThat(cached.s()).isEqualTo(fresh.s());
        }
        assertThat(Files.list(dir).count()).isEqualTo(6);                                  // 3 weights × 2 precisions
    }

    @Test
    void aCorruptedEntryIsDecomposedAgain(@TempDir Path dir) throws Exception {
        Nd4jRuntime.init();
        inject(new WeightSvdCache(dir), DataType.FLOAT);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.write(p, new byte[] {1, 2, 3});
        }
        WeightSvdCache again = new WeightSvdCache(dir);
        List<AdaptedWeight> layers = inject(again, DataType.FLOAT);
        assertThat(again.misses()).isEqualTo(3);
        INDArray w0 = layers.get(0).base();
        assertThat(layers.get(0).merged().sub(w0).amaxNumber().doubleValue()).isLessThan(Tolerances.RECOMPUTED_F32_REL);
        WeightSvdCache readOnly = new WeightSvdCache(dir.resolve("file-not-dir"));
        Files.writeString(dir.resolve("file-not-dir"), "x");
        assertThat(inject(readOnly, DataType.FLOAT)).hasSize(3);
        assertThat(readOnly.misses()).isEqualTo(3);
    }

    @Test
    void aWeightArrayStillHeldSharesItsFactors(@TempDir Path dir) {
        Nd4jRuntime.init();
        INDArray w0 = Nd4j.randn(DataType.FLOAT, 24, 16);
        Svd first = new WeightSvdCache(dir).svd("blocks.0.to_k.weight", w0);
        WeightSvdCache sampler = new WeightSvdCache(dir);                                     // another cache, as a sampler opens
        Svd again = sampler.svd("blocks.0.to_k.weight", w0);
        assertThat(again.u()).isSameAs(first.u());
        assertThat(again.vt()).isSameAs(first.vt());
        assertThat(sampler.hits()).isEqualTo(1);
        Svd copy = sampler.svd("blocks.0.to_k.weight", w0.dup());                            // equal values, another array: read from the file
        assertThat(copy.u()).isNotSameAs(first.u()).isEqualTo(first.u());
    }
}
