/*
 * SvdBenchCommand: `spectune bench svd` — the time of a full SVD pass (gesdd) over SD-1.5's UNet
 * attention projections against randomized top-r SVD (Halko–Martinsson–Tropp), with the randomized
 * result's error measured against the full one. Weights are random (Gaussian, std 0.02; --decay
 * scales the columns for a decaying spectrum) with the shapes read from the real SD-1.5 UNet config.
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.linalg.RandomizedSvd;
import dev.spectune.linalg.Spectra;
import dev.spectune.linalg.Svd;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.runtime.Fixtures;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "svd", mixinStandardHelpOptions = true,
        description = "Full gesdd vs randomized top-r SVD over SD-1.5's UNet attention projections (random weights, real shapes).")
public final class SvdBenchCommand implements Callable<Integer> {

    @Option(names = "--unet-config", description = "UNet config.json (default: shared/artifacts/sd15-config/unet/config.json).") Path unetConfig;
    @Option(names = "--rank", defaultValue = "8") int rank;
    @Option(names = "--oversampling", defaultValue = "10") int oversampling;
    @Option(names = "--power-iterations", defaultValue = "2") int powerIterations;
    @Option(names = "--precision", defaultValue = "float") String precision;
    @Option(names = "--limit", defaultValue = "0", description = "Only the first N layers (0 = all).") int limit;
    @Option(names = "--decay", defaultValue = "0", description = "Scale column j by (j+1)^-decay for a decaying spectrum (0: flat, plain Gaussian).") double decay;

    @Override
    public Integer call() {
        Nd4jRuntime.init();
        DataType type = Precision.parse(precision);
        Path config = unetConfig != null ? unetConfig : Fixtures.locate().map(p -> p.resolve("artifacts/sd15-config/unet/config.json"))
                .filter(Files::isRegularFile).orElseThrow(() -> new IllegalArgumentException("give --unet-config (SD-1.5's unet/config.json)"));
        List<long[]> shapes = new ArrayList<>();
        UNet2DConditionModel.parameterShapes(UNetConfig.fromJson(config)).forEach((k, s) -> {
            if (AdapterInjector.UNET_ATTENTION.matcher(k).matches()) shapes.add(s);
        });
        if (limit > 0 && shapes.size() > limit) shapes.subList(limit, shapes.size()).clear();
        Nd4j.getRandom().setSeed(7);
        double full = 0, randomized = 0, worstValue = 0, worstSine = 0, meanSine = 0, worstEnergyGap = 0;
        long elements = 0;
        for (long[] s : shapes) {
            INDArray w = Nd4j.randn(DataType.DOUBLE, s).muli(0.02);                  // [out, in]
            if (decay > 0) {
                INDArray scale = Nd4j.create(DataType.DOUBLE, s[1]);
                for (int j = 0; j < s[1]; j++) scale.putScalar(j, Math.pow(j + 1, -decay));
                w.muliRowVector(scale);
            }
            w = w.castTo(type);
            elements += w.length();
            long t0 = System.nanoTime();
            Svd exact = Svd.of(w);
            long t1 = System.nanoTime();
            Svd approx = RandomizedSvd.of(w, new RandomizedSvd.Options(rank, oversampling, powerIterations, 1));
            long t2 = System.nanoTime();
            full += (t1 - t0) / 1e9;
            randomized += (t2 - t1) / 1e9;
            double[] e = exact.s().toDoubleVector(), a = approx.s().toDoubleVector();
            for (int i = 0; i < rank; i++) worstValue = Math.max(worstValue, Math.abs(a[i] - e[i]) / e[i]);
            double sine = Spectra.largestAngleSine(Spectra.leftColumns(approx, rank), Spectra.leftColumns(exact, rank));
            worstSine = Math.max(worstSine, sine);
            meanSine += sine / shapes.size();
            double energyExact = 0, energyApprox = 0;
            for (int i = 0; i < rank; i++) { energyExact += e[i] * e[i]; energyApprox += a[i] * a[i]; }
            worstEnergyGap = Math.max(worstEnergyGap, (energyExact - energyApprox) / energyExact);
        }
        System.out.printf("bench svd: %d SD-1.5 UNet attention projections (%.1f M weights), %s, random N(0, 0.02^2) weights%s%n",
                shapes.size(), elements / 1e6, precision, decay > 0 ? String.format(", column j scaled by (j+1)^-%.2f", decay) : "");
        System.out.printf("  full SVD (gesdd, all singular triplets):   %8.2f s%n", full);
        System.out.printf("  randomized top-%d (p=%d, q=%d):            %8.2f s   (%.1fx faster)%n", rank, oversampling, powerIterations, randomized, full / randomized);
        System.out.printf("  randomized vs full: worst relative error of s_1..s_%d %.2e; left top-%d subspace sin(angle) worst %.3f, mean %.3f; top-%d energy short by at most %.2e%n",
                rank, worstValue, rank, worstSine, meanSine, rank, worstEnergyGap);
        if (decay == 0) System.out.println("  (plain Gaussian weights have an almost flat spectrum, the hardest case for a randomized range finder; try --decay 1)");
        return 0;
    }
}
