/*
 * AdaptedLayersEjmlTest: the EJML cross-check of every adapted layer of the SD-topology UNet. SODA
 * (rotations on both sides) is injected into each attention projection, its Stiefel factors are
 * moved by 25 StiefelAdam steps, and then, against EJML in double: the decomposition the layer
 * uses reconstructs W0 with orthonormal U and V and EJML's singular values; the Kronecker rotations
 * R (input) and L (output) are orthogonal; and the adapted weight keeps W0's singular values (a
 * rotation cannot change them). Tolerances: 1e-10 in double, 1e-5 in float (Tolerances).
 */
package dev.spectune.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.adapters.RotationSide;
import dev.spectune.linalg.DecompositionCheck;
import dev.spectune.linalg.Kronecker;
import dev.spectune.linalg.Svd;
import dev.spectune.optim.ParamKind;
import dev.spectune.optim.StiefelAdam;
import dev.spectune.optim.StiefelOptions;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.runtime.Tolerances;
import dev.spectune.testing.TestFixtures;
import dev.spectune.spectrum.LayerSelection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdaptedLayersEjmlTest {

    @ParameterizedTest
    @ValueSource(strings = {"DOUBLE", "FLOAT"})
    void everyAdaptedLayerCrossChecksWithEjml(String precision) {
        Nd4jRuntime.init();
        DataType type = DataType.valueOf(precision);
        double tol = type == DataType.DOUBLE ? Tolerances.DECOMPOSITION_F64 : Tolerances.DECOMPOSITION_F32;
        Map<String, INDArray> weights = LayerSelection.read(TestFixtures.path("golden/unet_sd_topology"), "unet", AdapterInjector.UNET_ATTENTION, type);
        SameDiff sd = SameDiff.create();
        weights.forEach(sd::constant);
        AdapterSpec spec = new AdapterSpec("soda-svd", new dev.spectune.adapters.SodaSvd.Config(0, true, RotationSide.BOTH, KroneckerFactorPlanner.Mode.BALANCED, 3), 0);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, AdapterInjector.UNET_ATTENTION, spec.builder());
        Map<String, INDArray> factors = new LinkedHashMap<>();
        layers.forEach(a -> a.parameters().stream().filter(p -> p.kind() == ParamKind.STIEFEL).forEach(p -> factors.put(p.name(), p.value())));
        StiefelAdam adam = new StiefelAdam(factors, 0.05, 0.9, 0.99, 1e-5, StiefelOptions.soda());
        Nd4j.getRandom().setSeed(4);
        for (int step = 0; step < 25; step++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            factors.forEach((k, v) -> grads.put(k, Nd4j.randn(type, v.shape())));
            adam.step(grads);
        }
        double worstSvd = 0, worstRotation = 0, worstSpectrum = 0;
        for (AdaptedWeight a : layers) {
            INDArray w0 = a.base();
            Svd used = new Svd(sd.getVariable(a.key().replace(".weight", ".soda_U")).getArr(), sd.getVariable(a.key().replace(".weight", ".soda_S")).getArr(),
                    sd.getVariable(a.key().replace(".weight", ".soda_Vh")).getArr());
            DecompositionCheck.SvdReport svd = DecompositionCheck.checkSvd(w0, used, 4);
            assertThat(svd.reconstruction()).as(a.key() + " " + svd).isLessThan(tol);
            assertThat(svd.orthogonality()).as(a.key() + " " + svd).isLessThan(tol);
            assertThat(svd.singularValues()).as(a.key() + " " + svd).isLessThan(tol);
            worstSvd = Math.max(worstSvd, Math.max(svd.reconstruction(), Math.max(svd.orthogonality(), svd.singularValues())));
            for (String side : new String[] {"soda_Q", "soda_Qout"}) {                   // R (input side) and L (output side)
                List<INDArray> qs = new ArrayList<>();
                for (AdapterParameter p : a.parameters()) if (p.name().matches(".*\\." + side + "\\d+")) qs.add(p.value());
                if (qs.isEmpty()) continue;
                INDArray rotation = Kronecker.product(qs.toArray(INDArray[]::new));
                double e = DecompositionCheck.ejmlOrthogonalityError(rotation);
                assertThat(e).as(a.key() + " " + side + " Kronecker rotation orthogonal").isLessThan(tol);
                assertThat(rotation.sub(Nd4j.eye(rotation.rows()).castTo(type)).amaxNumber().doubleValue()).as("moved").isGreaterThan(1e-3);
                worstRotation = Math.max(worstRotation, e);
            }
            double[] before = DecompositionCheck.ejmlSvd(w0).s().toDoubleVector(), after = DecompositionCheck.ejmlSvd(a.merged()).s().toDoubleVector();
            for (int i = 0; i < before.length; i++) worstSpectrum = Math.max(worstSpectrum, Math.abs(after[i] - before[i]) / before[0]);
        }
        System.out.printf("%d adapted layers (%s): SVD vs EJML worst %.2e, rotation orthogonality worst %.2e, spectrum kept to %.2e%n",
                layers.size(), precision, worstSvd, worstRotation, worstSpectrum);
        assertThat(layers).hasSize(weights.size());
        assertThat(worstSpectrum).isLessThan(tol);
    }
}
