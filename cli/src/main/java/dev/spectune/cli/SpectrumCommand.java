/*
 * SpectrumCommand: `spectune spectrum` — singular values and spectrum statistics of a model's
 * weights (CSV + PNG plots), and with --adapter how the adapter changed each weight.
 */
package dev.spectune.cli;

import dev.spectune.adapters.AdapterInjector;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.adapters.io.WeightSvdCache;
import dev.spectune.spectrum.LayerSelection;
import dev.spectune.spectrum.SpectrumAnalysis;
import dev.spectune.spectrum.SpectrumReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "spectrum", mixinStandardHelpOptions = true,
        description = "Singular values, effective/stable rank and top-r energy of each selected weight; with --adapter, what the adapter changed.")
public final class SpectrumCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline or component folder, or a .safetensors file.") Path model;
    @Option(names = "--component", defaultValue = "unet", description = "Pipeline component (default ${DEFAULT-VALUE}).") String component;
    @Option(names = "--targets", description = "Regex of weight keys (default: the adapter's targets, else UNet attention projections).") String targets;
    @Option(names = "--adapter", description = "An adapter folder written by `spectune train`.") Path adapter;
    @Option(names = "--rank", defaultValue = "8", description = "r of the top-r subspaces compared with --adapter (default ${DEFAULT-VALUE}).") int rank;
    @Option(names = "--precision", defaultValue = "float", description = "float (sgesdd) or double (dgesdd).") String precision;
    @Option(names = "--cache", description = "SVD cache folder (decompositions keyed by the weight's SHA-256, the format training keeps): reused, then added to.") Path cache;
    @Option(names = "--out", required = true, description = "Output folder.") Path out;
    @Option(names = "--randomized", defaultValue = "0", description = "Randomized top-R SVD (Halko–Martinsson–Tropp) instead of the full one (0: off).") int randomizedRank;
    @Option(names = "--randomized-min-side", defaultValue = "512", description = "... only for layers whose smaller side is at least this (default ${DEFAULT-VALUE}).") int randomizedMinSide;
    @Option(names = "--randomized-check", description = "Also run the full SVD of those layers and report the randomized error.") boolean randomizedCheck;

    @Override
    public Integer call() throws Exception {
        Nd4jRuntime.init();
        DataType type = Precision.parse(precision);
        String adapterTargets = adapter == null ? null : AdapterDirectory.read(adapter).targets();
        Pattern selected = Pattern.compile(targets != null ? targets : adapterTargets != null ? adapterTargets : AdapterInjector.UNET_ATTENTION.pattern());
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> weights = LayerSelection.read(model, component, selected, type);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> merged = null;
        if (adapter != null) {
            boolean sameLayers = selected.pattern().equals(adapterTargets) && type == DataType.FLOAT;     // the usual case: read once
            merged = LayerSelection.merged(sameLayers ? weights : LayerSelection.read(model, component, Pattern.compile(adapterTargets), DataType.FLOAT), adapter);
        }
        WeightSvdCache kept = cache == null ? null : new WeightSvdCache(cache);
        long start = System.nanoTime();
        SpectrumAnalysis.Randomized randomized = randomizedRank > 0
                ? new SpectrumAnalysis.Randomized(randomizedRank, randomizedMinSide, randomizedCheck) : SpectrumAnalysis.Randomized.OFF;
        List<SpectrumAnalysis.Layer> layers = SpectrumAnalysis.analyze(weights, merged, rank, kept, randomized);
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Path> written = SpectrumReport.write(out, layers, rank);
        long cached = layers.stream().filter(SpectrumAnalysis.Layer::fromCache).count();
        double svdSeconds = layers.stream().mapToDouble(SpectrumAnalysis.Layer::svdMillis).sum() / 1e3;
        System.out.printf("spectrum: %d layers matching /%s/ (%s), %d decompositions from the cache, SVD time %.2f s, total %.2f s%n",
                layers.size(), selected.pattern(), precision, cached, svdSeconds, seconds);
        if (adapter != null) {
            long changed = layers.stream().filter(l -> l.change() != null).count();
            double meanAngle = layers.stream().filter(l -> l.change() != null).mapToDouble(l -> Math.max(l.change().leftAngleMaxDegrees(), l.change().rightAngleMaxDegrees())).average().orElse(0);
            double meanShare = layers.stream().filter(l -> l.change() != null).mapToDouble(l -> l.change().leftShare()).average().orElse(0);
            System.out.printf("adapter %s: %d layers changed; mean largest principal angle (top-%d) %.4f deg; mean share of dW in W0's left top-%d subspace %.4f%n",
                    adapter, changed, rank, meanAngle, rank, meanShare);
        }
        List<SpectrumAnalysis.Layer> approximated = layers.stream().filter(SpectrumAnalysis.Layer::randomized).toList();
        if (!approximated.isEmpty()) {
            System.out.printf("randomized top-%d SVD on %d layers (smaller side >= %d): %.2f s", randomizedRank, approximated.size(), randomizedMinSide,
                    approximated.stream().mapToDouble(SpectrumAnalysis.Layer::svdMillis).sum() / 1e3);
            if (randomizedCheck) {
                System.out.printf("; against the full SVD: worst relative singular value error %.2e, worst top-%d subspace sine %.3f",
                        approximated.stream().mapToDouble(SpectrumAnalysis.Layer::randomizedValueError).max().orElse(0), randomizedRank,
                        approximated.stream().mapToDouble(SpectrumAnalysis.Layer::randomizedSubspaceSine).max().orElse(0));
            }
            System.out.println();
        }
        for (Path p : written) System.out.println("wrote " + p);
        return 0;
    }
}
