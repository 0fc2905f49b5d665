/* ParameterFormulaTest: for every method and option set, the built adapter has exactly the papers' parameter count, on wide, tall and square weights. */
package dev.spectune.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.runtime.Nd4jRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ParameterFormulaTest {

    @Test
    void everyMethodHasItsPapersCount() {
        Nd4jRuntime.useDefaultDataType(DataType.DOUBLE);
        List<AdapterSpec> specs = new ArrayList<>();
        for (String method : AdapterSpec.METHODS) specs.add(AdapterSpec.defaults(method));
        specs.add(new AdapterSpec("soda-svd", 4, 4, false, 0, 0, true, RotationSide.BOTH, KroneckerFactorPlanner.Mode.BALANCED, 2, 0));
        specs.add(AdapterSpec.defaults("oft").withMore(new AdapterSpec.More(Oft.Layout.PEFT_0_13, 0, 0, 0, true, 0.1, 100, 50)));
        specs.add(AdapterSpec.defaults("oft").withMore(new AdapterSpec.More(Oft.Layout.PEFT_0_17, 8, 5, 0, false, 0.1, 100, 50)));
        specs.add(AdapterSpec.defaults("lidb").withMore(new AdapterSpec.More(null, 0, 5, 0, false, 0.1, 10, 6)).withRank(2));
        specs.add(AdapterSpec.defaults("boft").withMore(AdapterSpec.More.defaults().withBoft(4, 2)));
        specs.add(AdapterSpec.defaults("spectral-r").withMore(new AdapterSpec.More(null, 0, 5, 0, false, 0.1, 100, 50, "bottom", true)));
        int checked = 0;
        for (long[] shape : new long[][] {{32, 48}, {48, 32}, {64, 64}}) {
            for (AdapterSpec spec : specs) {
                if (spec.method().equals("vera")) continue;                               // VeRA's projections come from prepare(); checked below
                SameDiff sd = SameDiff.create();
                Nd4j.getRandom().setSeed(1);
                AdaptedWeight a = spec.builder(Map.of()).build(sd, "w.weight", Nd4j.randn(DataType.DOUBLE, shape[0], shape[1]));
                assertThat(a.parameterCount()).as(spec + " on " + shape[0] + "x" + shape[1]).isEqualTo(ParameterFormula.count(spec, shape[0], shape[1]));
                checked++;
            }
            AdapterInjector.Method vera = AdapterSpec.defaults("vera").builder(Map.of());
            vera.prepare(List.of(Nd4j.zeros(DataType.DOUBLE, shape[0], shape[1])));
            assertThat(vera.build(SameDiff.create(), "w.weight", Nd4j.randn(DataType.DOUBLE, shape[0], shape[1])).parameterCount())
                    .isEqualTo(ParameterFormula.count(AdapterSpec.defaults("vera"), shape[0], shape[1]));
        }
        assertThat(checked).isEqualTo(3 * (specs.size() - 1));
    }
}
