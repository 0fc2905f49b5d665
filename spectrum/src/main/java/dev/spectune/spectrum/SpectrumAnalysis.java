/*
 * SpectrumAnalysis: the singular values of each selected weight (gesdd, or a decomposition cache
 * entry for the same weight) and, when an adapter is given, how the adapter changed the weight:
 * ‖ΔW‖, the share of ΔW in W0's top-r left/right singular subspaces, the largest principal angle
 * between W0's and W's top-r subspaces, and the new singular values. This is where SODA's basis
 * rotation and SVDiff's pure spectrum shift become visible (SVDiff: angles ≈ 0, ΔW entirely in
 * the singular subspaces; SODA: non-zero angles).
 */
package dev.spectune.spectrum;

import dev.spectune.adapters.io.WeightSvdCache;
import dev.spectune.linalg.RandomizedSvd;
import dev.spectune.linalg.Spectra;
import dev.spectune.linalg.Svd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class SpectrumAnalysis {
    private SpectrumAnalysis() {}

    /** The top-r energies every report lists. */
    public static final int[] ENERGY_RANKS = {1, 4, 8, 16, 32};

    /** How an adapter changed one layer; r is the subspace dimension used. */
    public record Change(double deltaNorm, double deltaRelative, double leftShare, double rightShare,
                         double leftAngleMaxDegrees, double rightAngleMaxDegrees, double[] adaptedValues) {}

    /**
     * One layer: key, shape, singular values descending (all of them, or the top r when randomized),
     * ‖W‖²_F, time to decompose, whether the cache supplied it, the change (null without adapter),
     * and for a randomized layer checked against the full SVD the worst relative error of its
     * singular values and the sine of the largest angle between the top-r left subspaces (NaN otherwise).
     */
    public record Layer(String key, long rows, long cols, double[] values, double frobeniusSquared, double svdMillis, boolean fromCache,
                        boolean randomized, double randomizedValueError, double randomizedSubspaceSine, Change change) {
        public String block() {
            return blockOf(key);
        }

        public double stableRank() {
            return values.length == 0 || values[0] == 0 ? 0 : frobeniusSquared / (values[0] * values[0]);
        }

        /** Needs every singular value: NaN for a randomized (top-r) layer. */
        public double effectiveRank() {
            return randomized ? Double.NaN : Spectra.effectiveRank(values);
        }

        public double topEnergy(int r) {
            double top = 0;
            for (int i = 0; i < Math.min(r, values.length); i++) top += values[i] * values[i];
            return frobeniusSquared == 0 ? 0 : Math.min(1, top / frobeniusSquared);
        }
    }

    /** Randomized top-r SVD for layers whose smaller side is at least {@code minSide}; check: also run the full SVD and report the error. */
    public record Randomized(int rank, int minSide, boolean check) {
        public static final Randomized OFF = new Randomized(0, Integer.MAX_VALUE, false);

        boolean appliesTo(INDArray w) {
            return rank > 0 && Math.min(w.rows(), w.columns()) >= Math.max(minSide, rank + 1);
        }
    }

    public static List<Layer> analyze(Map<String, INDArray> weights, Map<String, INDArray> adapted, int r, WeightSvdCache cache) {
        return analyze(weights, adapted, r, cache, Randomized.OFF);
    }

    /**
     * Decomposes every weight (in the order given), reusing the decompositions {@code cache} keeps
     * for the same weights and keeping fresh ones there (null: no cache); with {@code adapted} (key → W),
     * reports the change.
     */
    public static List<Layer> analyze(Map<String, INDArray> weights, Map<String, INDArray> adapted, int r, WeightSvdCache cache,
                                      Randomized randomized) {
        if (adapted != null && randomized.rank() > 0) throw new IllegalArgumentException("the randomized SVD is for spectra of a model; an adapter's change needs the full SVD");
        List<Layer> layers = new ArrayList<>();
        for (var e : weights.entrySet()) {
            INDArray w0 = e.getValue();                                       // [out, in]
            double frobenius = Math.pow(w0.norm2Number().doubleValue(), 2);
            if (randomized.appliesTo(w0)) {
                long start = System.nanoTime();
                Svd top = RandomizedSvd.of(w0, RandomizedSvd.Options.topR(randomized.rank()));
                double millis = (System.nanoTime() - start) / 1e6;
                double valueError = Double.NaN, sine = Double.NaN;
                if (randomized.check()) {
                    Svd full = Svd.of(w0);
                    double[] f = full.s().toDoubleVector(), t = top.s().toDoubleVector();
                    valueError = 0;
                    for (int i = 0; i < t.length; i++) valueError = Math.max(valueError, Math.abs(t[i] - f[i]) / f[i]);
                    sine = Spectra.largestAngleSine(Spectra.leftColumns(top, t.length), Spectra.leftColumns(full, t.length));
                }
                layers.add(new Layer(e.getKey(), w0.rows(), w0.columns(), top.s().toDoubleVector(), frobenius, millis, false, true, valueError, sine, null));
                continue;
            }
            java.util.Optional<Svd> kept = cache == null ? java.util.Optional.empty() : cache.lookup(e.getKey(), w0);
            boolean hit = kept.isPresent();
            long start = System.nanoTime();
            Svd svd = hit ? kept.get() : Svd.of(w0);
            double millis = (System.nanoTime() - start) / 1e6;
            if (!hit && cache != null) cache.store(e.getKey(), w0, svd);
            Change change = null;
            if (adapted != null && adapted.containsKey(e.getKey())) change = change(w0, svd, adapted.get(e.getKey()), r);
            layers.add(new Layer(e.getKey(), w0.rows(), w0.columns(), svd.s().toDoubleVector(), frobenius, millis, hit, false, Double.NaN, Double.NaN, change));
        }
        return layers;
    }

    static Change change(INDArray w0, Svd svd0, INDArray w, int r) {
        INDArray delta = w.castTo(w0.dataType()).sub(w0);                     // [out, in]
        double deltaNorm = delta.norm2Number().doubleValue(), baseNorm = w0.norm2Number().doubleValue();
        int dim = Math.min(r, (int) Math.min(w0.rows(), w0.columns()));
        Svd svd = Svd.of(w.castTo(w0.dataType()));
        double leftShare = Spectra.leftShare(Spectra.leftColumns(svd0, dim), delta);
        double rightShare = Spectra.rightShare(Spectra.rightColumns(svd0, dim), delta);
        double left = Math.toDegrees(Math.asin(Spectra.largestAngleSine(Spectra.leftColumns(svd0, dim), Spectra.leftColumns(svd, dim))));
        double right = Math.toDegrees(Math.asin(Spectra.largestAngleSine(Spectra.rightColumns(svd0, dim), Spectra.rightColumns(svd, dim))));
        return new Change(deltaNorm, baseNorm == 0 ? 0 : deltaNorm / baseNorm, leftShare, rightShare,
                left, right, svd.s().toDoubleVector());
    }

    /** "down_blocks.1", "mid_block", "up_blocks.3", "text_model.encoder.layers.5": the key up to its first block index. */
    public static String blockOf(String key) {
        String[] parts = key.split("\\.");
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            if (!sb.isEmpty()) sb.append('.');
            sb.append(p);
            if (p.chars().allMatch(Character::isDigit) || p.equals("mid_block")) return sb.toString();
        }
        return parts[0];
    }

    /** Layers grouped by block, blocks in first-seen order. */
    public static Map<String, List<Layer>> byBlock(List<Layer> layers) {
        Map<String, List<Layer>> m = new LinkedHashMap<>();
        for (Layer l : layers) m.computeIfAbsent(l.block(), b -> new ArrayList<>()).add(l);
        return m;
    }
}
