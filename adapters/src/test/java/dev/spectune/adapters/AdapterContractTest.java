/*
 * AdapterContractTest: the contract every adapter method passes, on a float64 Linear(24 → 16):
 * identity at init (or the documented offset), merged weight = adapted output, unmerge restores
 * W0, a parameter round trip reproduces the output bit for bit, every parameter's gradient matches
 * central finite differences, the parameter count equals the method's formula, and Stiefel
 * factors stay orthogonal under their optimizer. The variants are the registry's: every method's
 * contractVariants, so a newly registered method is held to the contract without touching this file.
 */
package dev.spectune.adapters;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.linalg.Cayley;
import dev.spectune.linalg.Matrices;
import dev.spectune.linalg.Svd;
import dev.spectune.ops.Linear;
import dev.spectune.optim.ParamKind;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.GradCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdapterContractTest {

    static final int OUT = 16, IN = 24, R = 4;
    static final int[] FACTORS = {2, 3, 4};
    static INDArray w0, w0Original, bias, x;

    @BeforeAll
    static void data() {
        Nd4jRuntime.useDefaultDataType(DataType.DOUBLE);
        Nd4j.getRandom().setSeed(2024);
        w0 = Nd4j.randn(DataType.DOUBLE, OUT, IN).muli(0.3);
        w0Original = w0.dup();                                                        // what W0 was before any adapter saw it
        bias = Nd4j.randn(DataType.DOUBLE, OUT).muli(0.1);
        x = Nd4j.randn(DataType.DOUBLE, 5, IN);
    }

    /** Every contract variant of every registered method, by name. */
    static java.util.stream.Stream<String> variants() {
        return AdapterMethods.ALL.stream().flatMap(m -> m.contractVariants().keySet().stream());
    }

    /** Builds a registered method's named variant on a fresh graph. */
    static AdaptedWeight build(String variant, SameDiff sd) {
        if (!sd.hasVariable("layer.bias")) sd.constant("layer.bias", bias);                // the layer's bias, as a model graph holds it
        for (AdapterMethod<?> m : AdapterMethods.ALL) {
            if (m.contractVariants().containsKey(variant)) return build(m, variant, sd);
        }
        throw new IllegalArgumentException(variant);
    }

    private static <C extends Record> AdaptedWeight build(AdapterMethod<C> m, String variant, SameDiff sd) {
        AdapterInjector.Method builder = m.builder(m.contractVariants().get(variant), new AdapterMethod.Context(1, Map.of(), Decompositions.FRESH));
        builder.prepare(List.of(w0));
        return builder.build(sd, "layer.weight", w0);
    }

    /** The count the variant's paper formula gives. */
    static long formula(String variant) {
        for (AdapterMethod<?> m : AdapterMethods.ALL) if (m.contractVariants().containsKey(variant)) return formula(m, variant);
        throw new IllegalArgumentException(variant);
    }

    private static <C extends Record> long formula(AdapterMethod<C> m, String variant) {
        return m.parameters(m.contractVariants().get(variant), "layer.weight", OUT, IN);
    }

    static SDVariable forward(SameDiff sd, AdaptedWeight a) {
        SDVariable b = a.bias() != null ? a.bias().value() : sd.getVariable("layer.bias");   // IA3 rescales the bias too
        return Linear.apply(sd, sd.var("x", x.dup()), a.weight(), b, IN, OUT);
    }

    /** Moves every parameter away from its init (orthogonal factors to random rotations). */
    static void perturb(AdaptedWeight a, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (AdapterParameter p : a.parameters()) {
            INDArray v = p.value();
            if (p.kind() == ParamKind.STIEFEL) {
                v.assign(Cayley.minusPlus(Cayley.skewPart(Nd4j.randn(DataType.DOUBLE, v.rows(), v.columns()).muli(0.5))));
            } else {
                v.addi(Nd4j.randn(DataType.DOUBLE, v.shape()).muli(0.05));
            }
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("variants")
    void contract(String method) {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = build(method, sd);
        // 1. identity at init
        double initError = Matrices.relativeError(a.merged(), w0);
        System.out.printf("%-18s init ‖W(θ0) − W0‖/‖W0‖ = %.2e, parameters %d%n", method, initError, a.parameterCount());
        assertThat(initError).as(method + " identity at init").isLessThan(Tolerances.IDENTITY_F64);
        // 6. parameter count
        assertThat(a.parameterCount()).as(method + " parameter count").isEqualTo(formula(method));

        perturb(a, 7);
        a.constrain();
        SDVariable y = forward(sd, a);
        INDArray adapted = y.eval();
        // 2. merged weight gives the adapted output
        INDArray merged = a.merged();
        INDArray plain = x.mmul(merged.transpose()).addRowVector(a.bias() != null ? a.bias().value().eval() : bias);
        assertThat(Matrices.relativeError(plain, adapted)).as(method + " merged = adapted").isLessThan(Tolerances.IDENTITY_F64);
        assertThat(Matrices.relativeError(merged, w0)).as(method + " moved away from W0").isGreaterThan(1e-4);
        // 3. unmerge restores W0: the adapter never wrote into the W0 it was given, and merged − ΔW is the original W0
        assertThat(w0).as(method + " left W0 untouched").isEqualTo(w0Original);
        assertThat(Matrices.relativeError(merged.sub(a.delta()), w0Original)).as(method + " unmerge").isLessThan(Tolerances.REARRANGED_F64);
        // 4. parameter round trip: a fresh adapter loaded with the values gives the same output bits
        Map<String, INDArray> saved = new LinkedHashMap<>();
        a.parameters().forEach(p -> saved.put(p.name(), p.value().dup()));
        SameDiff sd2 = SameDiff.create();
        AdaptedWeight b = build(method, sd2);
        b.parameters().forEach(p -> p.value().assign(saved.get(p.name())));
        assertThat(forward(sd2, b).eval()).as(method + " round trip").isEqualTo(adapted);
        // 5. gradients against finite differences
        List<String> names = a.parameters().stream().map(AdapterParameter::name).toList();
        GradCheck.Worst worst = GradCheck.check(sd, y, names, 30, 5);
        System.out.printf("%-18s gradient %s%n", method, worst);
        assertThat(worst.relativeError()).as(method + " gradient " + worst).isLessThan(Tolerances.GRADIENT_FD_F64_REL);
        // 7. a method applied to the layer's input computes x·W(θ)ᵀ from x and x·W0ᵀ, with the same gradients
        if (a.inputForm() != null) {
            SDVariable xIn = sd.var("x_input_form", x.dup());                                            // [N, in]
            SDVariable y0 = sd.mmul(xIn, sd.constant("w0_input_form", w0), false, true, false);           // [N, out]
            SDVariable yIn = a.inputForm().apply(sd, xIn, y0);                                             // [N, out]
            assertThat(Matrices.relativeError(x.mmul(merged.transpose()), yIn.eval())).as(method + " input form = x·W(θ)ᵀ")
                    .isLessThan(Tolerances.IDENTITY_F64);
            GradCheck.Worst viaInput = GradCheck.check(sd, yIn, names, 30, 6);
            assertThat(viaInput.relativeError()).as(method + " input-form gradient " + viaInput).isLessThan(Tolerances.GRADIENT_FD_F64_REL);
        }
    }

    /** The injector applies an input form at a linear layer's matmul (from the given size up): same output as the merged weight, W0's matmul kept. */
    @org.junit.jupiter.api.Test
    void injectorAppliesAnInputFormAtTheLayersMatmul() {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.var("x", x.dup());                                                              // [N, in]
        SDVariable y = Linear.apply(sd, in, sd.constant("block.to_q.weight", w0), null);                   // [N, out]
        List<AdaptedWeight> adapted = AdapterInjector.inject(sd, java.util.regex.Pattern.compile(".*to_q\\.weight"),
                Lora.METHOD.builder(new Lora.Config(4, 8, false), new AdapterMethod.Context(1, Map.of(), Decompositions.FRESH)), 0);
        AdaptedWeight a = adapted.getFirst();
        assertThat(a.inputForm()).isNotNull();
        assertThat(sd.getVariables().get("block.to_q.weight").getInputsForOp()).as("the frozen matmul still reads W0").hasSize(1);
        perturb(a, 5);
        assertThat(Matrices.relativeError(x.mmul(a.merged().transpose()), y.eval())).isLessThan(Tolerances.IDENTITY_F64);
        assertThat(Matrices.relativeError(a.merged(), w0)).isGreaterThan(1e-4);
        SameDiff small = SameDiff.create();
        Linear.apply(small, small.var("x", x.dup()), small.constant("block.to_q.weight", w0), null);
        AdapterInjector.inject(small, java.util.regex.Pattern.compile(".*to_q\\.weight"),
                Lora.METHOD.builder(new Lora.Config(4, 8, false), new AdapterMethod.Context(1, Map.of(), Decompositions.FRESH)));
        assertThat(small.getVariables().get("block.to_q.weight").getInputsForOp()).as("a small weight: the weight form, W0 rewired").isNullOrEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"soda-svd", "soda-qr", "spectral-r-stiefel"})
    void stiefelFactorsStayOrthogonal(String method) {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = build(method, sd);
        Map<String, INDArray> factors = new LinkedHashMap<>();
        a.parameters().stream().filter(p -> p.kind() == ParamKind.STIEFEL).forEach(p -> factors.put(p.name(), p.value()));
        assertThat(factors).hasSize(method.startsWith("soda") ? KroneckerFactorPlanner.plan(IN, 3, KroneckerFactorPlanner.Mode.AUTHORS).length : 2);
        StiefelAdam adam = new StiefelAdam(factors, 0.05, 0.9, 0.99, 1e-5, StiefelOptions.soda());
        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 50; step++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            factors.forEach((k, v) -> grads.put(k, Nd4j.randn(DataType.DOUBLE, v.shape())));
            adam.step(grads);
        }
        for (INDArray q : factors.values()) assertThat(Matrices.orthogonalityError(q)).isLessThan(Tolerances.IDENTITY_F64);
        // Rotating the singular vectors (SODA: the input side; Spectral R: within the top-r subspaces) keeps the singular values.
        if (!method.equals("soda-qr")) {
            double[] before = Svd.of(w0).s().toDoubleVector(), after = Svd.of(a.merged()).s().toDoubleVector();
            for (int i = 0; i < before.length; i++) assertThat(after[i]).isCloseTo(before[i], org.assertj.core.data.Offset.offset(Tolerances.IDENTITY_F64));
        }
    }

    @org.junit.jupiter.api.Test
    void sodaQrOnTallWeightsBeyondTheAuthorsCode() {
        INDArray tall = w0.transpose().dup('c');                                   // [24, 16]: out > in
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = SodaQr.build(sd, "tall.weight", tall, new int[] {4, 4});
        assertThat(Matrices.relativeError(a.merged(), tall)).isLessThan(Tolerances.IDENTITY_F64);
        assertThat(a.parameterCount()).isEqualTo(16 + 16 + 16);
        perturb(a, 9);
        SDVariable x16 = sd.var("x16", Nd4j.randn(DataType.DOUBLE, 3, 16));                    // [3, 16]
        SDVariable y = Linear.apply(sd, x16, a.weight(), null, 16, 24);
        GradCheck.Worst worst = GradCheck.check(sd, y, a.parameters().stream().map(AdapterParameter::name).toList(), 30, 6);
        assertThat(worst.relativeError()).as(worst.toString()).isLessThan(Tolerances.GRADIENT_FD_F64_REL);
        SDVariable yIn = a.inputForm().apply(sd, x16, sd.mmul(x16, sd.constant("tall0", tall), false, true, false));   // [3, 24]
        assertThat(Matrices.relativeError(y.eval(), yIn.eval())).as("tall input form").isLessThan(Tolerances.IDENTITY_F64);
        GradCheck.Worst viaInput = GradCheck.check(sd, yIn, a.parameters().stream().map(AdapterParameter::name).toList(), 30, 7);
        assertThat(viaInput.relativeError()).as(viaInput.toString()).isLessThan(Tolerances.GRADIENT_FD_F64_REL);
    }

    @org.junit.jupiter.api.Test
    void authorsInitialDeltaIsTheDocumentedOffset() {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = SodaSvd.build(sd, "layer.weight", w0, new SodaSvd.Options(1e-3, true, RotationSide.INPUT, FACTORS, null));
        Svd svd = Svd.of(w0);
        INDArray expected = w0.add(svd.u().mmul(svd.vt()).muli(1e-3));     // W0 + 1e-3·U·Vᵀ (SODA's δ0 = 1e-3)
        assertThat(Matrices.relativeError(a.merged(), expected)).isLessThan(Tolerances.IDENTITY_F64);
    }

    static BiFunction<String, SameDiff, AdaptedWeight> builder() {
        return AdapterContractTest::build;
    }
}
