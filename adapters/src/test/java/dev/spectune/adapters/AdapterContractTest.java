/*
 * AdapterContractTest: the contract every adapter method passes, on a float64 Linear(24 → 16):
 * identity at init (or the documented offset), merged weight = adapted output, unmerge restores
 * W0, a parameter round trip reproduces the output bit for bit, every parameter's gradient matches
 * central finite differences, the parameter count equals the method's formula, and Stiefel
 * factors stay orthogonal under their optimizer.
 */
package dev.spectune.adapters;

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

    /** Builds the method on a fresh graph. */
    static AdaptedWeight build(String method, SameDiff sd) {
        if (!sd.hasVariable("layer.bias")) sd.constant("layer.bias", bias);                // the layer's bias, as a model graph holds it
        return switch (method) {
            case "soda-svd" -> SodaSvd.build(sd, "layer.weight", w0, new SodaSvd.Options(0, true, RotationSide.INPUT, FACTORS, null));
            case "soda-svd-both" -> SodaSvd.build(sd, "layer.weight", w0, new SodaSvd.Options(0, false, RotationSide.BOTH, FACTORS, new int[] {4, 4}));
            case "soda-qr" -> SodaQr.build(sd, "layer.weight", w0, FACTORS);
            case "svdiff" -> Svdiff.build(sd, "layer.weight", w0);
            case "lora" -> Lora.build(sd, "layer.weight", w0, new Lora.Options(R, 8, false, 1));
            case "rslora" -> Lora.build(sd, "layer.weight", w0, new Lora.Options(R, 8, true, 1));
            case "spectral-a" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ADDITIVE, SpectralAdapter.Columns.top(R));
            case "spectral-a-block1" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ADDITIVE, new SpectralAdapter.Columns(R, 1, null));
            case "spectral-r" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ROTATIONAL, SpectralAdapter.Columns.top(R));
            case "spectral-r-stiefel" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ROTATIONAL_STIEFEL, SpectralAdapter.Columns.top(R));
            case "spectral-a-bottom" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ADDITIVE, SpectralAdapter.Columns.bottom(R));
            case "spectral-a-list" -> SpectralAdapter.build(sd, "layer.weight", w0, SpectralAdapter.Kind.ADDITIVE, SpectralAdapter.Columns.parse("0,3,7,12", R));
            case "loha" -> Loha.build(sd, "layer.weight", w0, R, 8, 1);
            case "lokr" -> Lokr.build(sd, "layer.weight", w0, 2, 1);
            case "hra" -> Hra.build(sd, "layer.weight", w0, R, 1);
            case "ia3" -> Ia3.build(sd, "layer.weight", w0, false);
            case "ia3-ff" -> Ia3.build(sd, "layer.weight", w0, true);
            case "dora" -> Dora.build(sd, "layer.weight", w0, new Lora.Options(R, 8, false, 1), false);
            case "oft" -> Oft.build(sd, "layer.weight", w0, Oft.Options.peft(4));
            case "oft-shared" -> Oft.build(sd, "layer.weight", w0, new Oft.Options(4, Oft.Layout.PEFT_0_17, 5, 0, true));
            case "oft-exact" -> Oft.build(sd, "layer.weight", w0, new Oft.Options(4, Oft.Layout.PEFT_0_17, 0, 0, false));
            case "oft-0.13" -> Oft.build(sd, "layer.weight", w0, new Oft.Options(4, Oft.Layout.PEFT_0_13, 0, 0, false));
            case "oft-0.13-shared" -> Oft.build(sd, "layer.weight", w0, new Oft.Options(4, Oft.Layout.PEFT_0_13, 0, 0, true));
            case "boft" -> Boft.build(sd, "layer.weight", w0, new Boft.Options(4, 0, 1));
            case "boft-butterfly" -> Boft.build(sd, "layer.weight", w0, new Boft.Options(0, 6, 2));
            case "coft" -> Oft.build(sd, "layer.weight", w0, new Oft.Options(4, Oft.Layout.PEFT_0_17, 5, 0.5, false));
            case "vera" -> Vera.build(sd, "layer.weight", w0, Vera.Projections.random(R, 40, 30, 5, DataType.DOUBLE), 0.1);
            case "lidb" -> Lidb.build(sd, "layer.weight", w0, new Lidb.Options(8, 12, 2, 3));
            default -> throw new IllegalArgumentException(method);
        };
    }

    /** The parameter counts of the papers: SODA k + Σki², LoRA r(in + out), SVDiff k, Spectral A r(in + out + 1), R 2r² + r. */
    static long formula(String method) {
        int k = Math.min(OUT, IN);
        return switch (method) {
            case "soda-svd" -> k + 4 + 9 + 16;
            case "soda-svd-both" -> k + 4 + 9 + 16 + 16 + 16;
            case "soda-qr" -> OUT + 4 + 9 + 16;
            case "svdiff" -> k;
            case "lora", "rslora" -> (long) R * (IN + OUT);
            case "spectral-a", "spectral-a-block1" -> (long) R * (IN + OUT + 1);
            case "spectral-r", "spectral-r-stiefel" -> 2L * R * R + R;
            case "spectral-a-bottom", "spectral-a-list" -> (long) R * (IN + OUT + 1);
            case "dora" -> (long) R * (IN + OUT) + OUT;
            case "loha" -> 2L * R * (IN + OUT);
            case "lokr" -> 4 * 4 + 4 * 6;                                        // 16 = 4·4, 24 = 4·6
            case "hra" -> (long) IN * R;
            case "ia3" -> OUT;
            case "ia3-ff" -> IN;
            case "oft", "oft-exact", "coft" -> 4L * (6 * 5 / 2);                  // r·b(b−1)/2, b = in/r
            case "oft-shared" -> 6 * 5 / 2;                                       // one block
            case "oft-0.13" -> 4L * 4 * 4;                                        // r·b², b = out/r
            case "oft-0.13-shared" -> 4 * 4;                                      // (n/r)²
            case "boft" -> 6L * 4 * 4 + OUT;                                       // m·D·H² + out, D = in/H
            case "boft-butterfly" -> 2L * 6 * 4 * 4 + OUT;
            case "vera" -> OUT + R;
            case "lidb" -> 2L * (8 + 12);
            default -> -1;
        };
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
    @ValueSource(strings = {"soda-svd", "soda-svd-both", "soda-qr", "svdiff", "lora", "rslora", "spectral-a", "spectral-a-block1", "spectral-r",
            "spectral-r-stiefel", "spectral-a-bottom", "spectral-a-list", "loha", "lokr", "hra", "ia3", "ia3-ff", "dora", "oft", "oft-shared", "oft-exact", "oft-0.13", "oft-0.13-shared", "coft", "boft", "boft-butterfly", "vera", "lidb"})
    void contract(String method) {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = build(method, sd);
        // 1. identity at init
        double initError = Matrices.relativeError(a.merged(), w0);
        System.out.printf("%-18s init ‖W(θ0) − W0‖/‖W0‖ = %.2e, parameters %d%n", method, initError, a.parameterCount());
        assertThat(initError).as(method + " identity at init").isLessThan(1e-12);
        // 6. parameter count
        assertThat(a.parameterCount()).as(method + " parameter count").isEqualTo(formula(method));

        perturb(a, 7);
        a.constrain();
        SDVariable y = forward(sd, a);
        INDArray adapted = y.eval();
        // 2. merged weight gives the adapted output
        INDArray merged = a.merged();
        INDArray plain = x.mmul(merged.transpose()).addRowVector(a.bias() != null ? a.bias().value().eval() : bias);
        assertThat(Matrices.relativeError(plain, adapted)).as(method + " merged = adapted").isLessThan(1e-12);
        assertThat(Matrices.relativeError(merged, w0)).as(method + " moved away from W0").isGreaterThan(1e-4);
        // 3. unmerge restores W0: the adapter never wrote into the W0 it was given, and merged − ΔW is the original W0
        assertThat(w0).as(method + " left W0 untouched").isEqualTo(w0Original);
        assertThat(Matrices.relativeError(merged.sub(a.delta()), w0Original)).as(method + " unmerge").isLessThan(1e-14);
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
        assertThat(worst.relativeError()).as(method + " gradient " + worst).isLessThan(1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"soda-svd", "soda-qr", "spectral-r-stiefel"})
    void stiefelFactorsStayOrthogonal(String method) {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = build(method, sd);
        Map<String, INDArray> factors = new LinkedHashMap<>();
        a.parameters().stream().filter(p -> p.kind() == ParamKind.STIEFEL).forEach(p -> factors.put(p.name(), p.value()));
        assertThat(factors).hasSize(method.startsWith("soda") ? 3 : 2);
        StiefelAdam adam = new StiefelAdam(factors, 0.05, 0.9, 0.99, 1e-5, StiefelOptions.soda());
        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 50; step++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            factors.forEach((k, v) -> grads.put(k, Nd4j.randn(DataType.DOUBLE, v.shape())));
            adam.step(grads);
        }
        for (INDArray q : factors.values()) assertThat(Matrices.orthogonalityError(q)).isLessThan(1e-12);
        // Rotating the singular vectors (SODA: the input side; Spectral R: within the top-r subspaces) keeps the singular values.
        if (!method.equals("soda-qr")) {
            double[] before = Svd.of(w0).s().toDoubleVector(), after = Svd.of(a.merged()).s().toDoubleVector();
            for (int i = 0; i < before.length; i++) assertThat(after[i]).isCloseTo(before[i], org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @org.junit.jupiter.api.Test
    void sodaQrOnTallWeightsBeyondTheAuthorsCode() {
        INDArray tall = w0.transpose().dup('c');                                   // [24, 16]: out > in
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = SodaQr.build(sd, "tall.weight", tall, new int[] {4, 4});
        assertThat(Matrices.relativeError(a.merged(), tall)).isLessThan(1e-12);
        assertThat(a.parameterCount()).isEqualTo(16 + 16 + 16);
        perturb(a, 9);
        SDVariable y = Linear.apply(sd, sd.var("x16", Nd4j.randn(DataType.DOUBLE, 3, 16)), a.weight(), null, 16, 24);
        GradCheck.Worst worst = GradCheck.check(sd, y, a.parameters().stream().map(AdapterParameter::name).toList(), 30, 6);
        assertThat(worst.relativeError()).as(worst.toString()).isLessThan(1e-6);
    }

    @org.junit.jupiter.api.Test
    void authorsInitialDeltaIsTheDocumentedOffset() {
        SameDiff sd = SameDiff.create();
        AdaptedWeight a = SodaSvd.build(sd, "layer.weight", w0, new SodaSvd.Options(1e-3, true, RotationSide.INPUT, FACTORS, null));
        Svd svd = Svd.of(w0);
        INDArray expected = w0.add(svd.u().mmul(svd.vt()).muli(1e-3));     // W0 + 1e-3·U·Vᵀ (SODA's δ0 = 1e-3)
        assertThat(Matrices.relativeError(a.merged(), expected)).isLessThan(1e-12);
    }

    static BiFunction<String, SameDiff, AdaptedWeight> builder() {
        return AdapterContractTest::build;
    }
}
