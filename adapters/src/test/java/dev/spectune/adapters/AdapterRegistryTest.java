/*
 * AdapterRegistryTest: the registry's entries are complete — every method builds its contract
 * variants with the parameter count its formula gives, and its settings survive spectune's JSON and
 * (for a peft type) peft's config — and a half-registered method is told what it lacks. The
 * formulas are checked on wide, tall and square weights too.
 */
package dev.spectune.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spectune.runtime.Nd4jRuntime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdapterRegistryTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4jRuntime.useDefaultDataType(DataType.DOUBLE);
    }

    static List<AdapterMethod<?>> methods() {
        return AdapterMethods.ALL;
    }

    @ParameterizedTest
    @MethodSource("methods")
    void everyRegisteredMethodIsComplete(AdapterMethod<?> m) {
        assertThat(AdapterMethods.missing(m)).as(m.name()).isEmpty();
    }

    @Test
    void namesAndVariantNamesAreUnique() {
        assertThat(new HashSet<>(AdapterMethods.names())).hasSameSizeAs(AdapterMethods.names());
        Set<String> variants = new HashSet<>();
        for (AdapterMethod<?> m : AdapterMethods.ALL) for (String v : m.contractVariants().keySet()) assertThat(variants.add(v)).as("variant " + v).isTrue();
    }

    /** A method registered with a builder but no contract variants, then with a formula that does not count what it builds. */
    @Test
    void aHalfRegisteredMethodIsToldWhatItLacks() {
        record Rank(int r) {}
        class Half implements AdapterMethod<Rank> {
            final Map<String, Rank> variants;
            final long extra;

            Half(Map<String, Rank> variants, long extra) {
                this.variants = variants;
                this.extra = extra;
            }

            public String name() { return "half"; }
            public String peftType() { return "LORA"; }
            public Class<Rank> configType() { return Rank.class; }
            public Rank configure(AdapterFlags f) { return new Rank(f.rankOr(4)); }

            public AdapterInjector.Method builder(Rank c, Context x) {
                return (sd, key, w0) -> Lora.build(sd, key, w0, new Lora.Options(c.r(), c.r(), false, x.seed()));
            }

            public long parameters(Rank c, String key, long out, long in) { return (long) c.r() * (in + out) + extra; }
            public Map<String, Rank> contractVariants() { return variants; }
        }
        assertThat(AdapterMethods.missing(new Half(Map.of(), 0))).containsExactly("contract variants");
        List<String> missing = AdapterMethods.missing(new Half(Map.of("half", new Rank(2)), 1));
        assertThat(missing).anyMatch(s -> s.startsWith("parameter formula (half: built 80, formula 81)"));
        assertThat(missing).anyMatch(s -> s.startsWith("peft config round trip (half"));          // it writes no peft options and reads none back
    }

    @Test
    void formulasCountWhatIsBuiltOnWideTallAndSquareWeights() {
        List<AdapterSpec> specs = new ArrayList<>();
        for (String method : AdapterSpec.METHODS) specs.add(AdapterSpec.defaults(method));
        specs.add(new AdapterSpec("soda-svd", new SodaSvd.Config(0, true, RotationSide.BOTH, KroneckerFactorPlanner.Mode.BALANCED, 2), 0));
        specs.add(new AdapterSpec("oft", new Oft.Config(4, 0, Oft.Layout.PEFT_0_13, 0, 0, true), 0));
        specs.add(new AdapterSpec("oft", new Oft.Config(4, 8, Oft.Layout.PEFT_0_17, 5, 0, false), 0));
        specs.add(new AdapterSpec("lidb", new Lidb.Config(2, 10, 6), 0));
        specs.add(new AdapterSpec("boft", new Boft.Options(4, 0, 2), 0));
        specs.add(new AdapterSpec("spectral-r", new SpectralAdapter.Config(4, "bottom", true), 0));
        int checked = 0;
        for (long[] shape : new long[][] {{32, 48}, {48, 32}, {64, 64}}) {
            for (AdapterSpec spec : specs) {
                Nd4j.getRandom().setSeed(1);
                INDArray w0 = Nd4j.randn(DataType.DOUBLE, shape[0], shape[1]);
                AdapterInjector.Method builder = spec.builder(Map.of());
                builder.prepare(List.of(w0));
                AdaptedWeight a = builder.build(SameDiff.create(), "w.weight", w0);
                assertThat(a.parameterCount()).as(spec + " on " + shape[0] + "x" + shape[1]).isEqualTo(spec.parameters("w.weight", shape[0], shape[1]));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(3 * specs.size());
    }

    @Test
    void oftCountsNoParametersForABlockCountItCannotBuild() {
        AdapterSpec fourteen = new AdapterSpec("oft", new Oft.Config(14, 0, Oft.Layout.PEFT_0_17, 5, 0, false), 0);
        assertThat(fourteen.parameters("layer.weight", 16, 28)).isEqualTo(14L * 1);                    // blocks of 2: one angle each
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fourteen.parameters("down.attn1.to_k.weight", 32, 32))
                .hasMessageContaining("down.attn1.to_k.weight").hasMessageContaining("14 blocks do not divide the input dimension 32");
    }

    @Test
    void aPeftConfigOfAnotherMethodIsNotClaimed() throws Exception {
        JsonNode dora = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"use_dora\": true}");
        assertThat(Lora.METHOD.readPeft("test", dora, Map.of())).isEmpty();
        assertThat(Dora.METHOD.readPeft("test", dora, Map.of())).contains(new Dora.Config(4, 8, false, false));
    }

    @Test
    void boftRefusesAConvWeightByName() {
        SameDiff sd = SameDiff.create();
        sd.constant("block.conv.weight", Nd4j.rand(DataType.DOUBLE, 3, 3, 8, 8));                  // [kH, kW, in, out]
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AdapterInjector.inject(sd, java.util.regex.Pattern.compile(".*conv\\.weight"),
                        AdapterSpec.defaults("boft").builder()))
                .hasMessageContaining("block.conv.weight").hasMessageContaining("linear layers only");
    }
}
