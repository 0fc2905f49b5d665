/*
 * ParamsCliTest: `params` prints, from the shapes alone, the same totals as the adapters built on
 * the tiny pipeline's 32 attention projections (default options), for every method.
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.TestFixtures;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

class ParamsCliTest {

    @Test
    void formulaTotalsEqualTheBuiltAdapters() {
        Nd4jRuntime.init();
        var r = CheckpointCliTest.run("params", "--model", TestFixtures.path("golden/pipeline_tiny").toString());
        assertThat(r.code()).as(r.err()).isZero();
        System.out.print(r.out());
        assertThat(r.out()).contains("32 target layers");
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(TestFixtures.path("golden/pipeline_tiny"), null)) {
            var unet = pipe.component("unet");
            for (String method : AdapterSpec.METHODS) {
                SameDiff sd = SameDiff.create();
                for (String k : unet.keys()) if (AdapterInjector.UNET_ATTENTION.matcher(k).matches()) sd.constant(k, unet.read(k, DataType.FLOAT));
                long built = AdapterInjector.inject(sd, AdapterInjector.UNET_ATTENTION, AdapterSpec.defaults(method).builder(Map.of()))
                        .stream().mapToLong(dev.spectune.adapters.AdaptedWeight::parameterCount).sum();
                String line = r.out().lines().filter(l -> l.matches(Pattern.quote(method) + "\\s+all\\s.*")).findFirst().orElseThrow();
                assertThat(line).as(method).endsWith(String.format("%,d", built));
            }
        }
    }
}
