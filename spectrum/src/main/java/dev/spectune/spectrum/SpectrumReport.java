/*
 * SpectrumReport: writes a SpectrumAnalysis as CSV and PNG (XChart).
 *
 *   spectrum.csv                 one row per layer: shape, spectral norm, stable rank, effective rank,
 *                                top-r energies, and with an adapter the change columns
 *   singular_values.csv          layer, index, s (and s after the adapter, and the difference)
 *   singular_values_<block>.png  s_i / s_1 on a log scale, one curve per layer of the block
 *   energy_heatmap.png           top-r energy (r = 1, 4, 8, 16, 32) over layers
 *   adapter_change.png           with an adapter: share of ΔW in W0's top-r subspaces and the largest
 *                                principal angles, per layer
 * Every file is written to a temporary name and renamed.
 */
package dev.spectune.spectrum;

import dev.spectune.checkpoint.safetensors.SafetensorsWriter;
import dev.spectune.linalg.Spectra;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

public final class SpectrumReport {
    private SpectrumReport() {}

    /** Writes every file into {@code dir}; returns the paths written. */
    public static List<Path> write(Path dir, List<SpectrumAnalysis.Layer> layers, int r) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        written.add(SafetensorsWriter.writeText(dir.resolve("spectrum.csv"), summaryCsv(layers, r)));
        written.add(SafetensorsWriter.writeText(dir.resolve("singular_values.csv"), valuesCsv(layers)));
        for (var block : SpectrumAnalysis.byBlock(layers).entrySet()) {
            written.add(save(singularValueChart(block.getKey(), block.getValue()), dir.resolve("singular_values_" + block.getKey().replace('.', '_') + ".png")));
        }
        written.add(save(energyHeatMap(layers), dir.resolve("energy_heatmap.png")));
        if (layers.stream().anyMatch(l -> l.change() != null)) written.add(save(changeChart(layers, r), dir.resolve("adapter_change.png")));
        return written;
    }

    static String summaryCsv(List<SpectrumAnalysis.Layer> layers, int r) {
        boolean adapter = layers.stream().anyMatch(l -> l.change() != null);
        StringBuilder sb = new StringBuilder("layer,block,rows,cols,spectral_norm,stable_rank,effective_rank");
        for (int k : SpectrumAnalysis.ENERGY_RANKS) sb.append(",energy_top").append(k);
        sb.append(",svd_ms,from_cache");
        boolean randomized = layers.stream().anyMatch(SpectrumAnalysis.Layer::randomized);
        if (randomized) sb.append(",randomized_top_r,randomized_max_rel_sv_error,randomized_subspace_sine");
        if (adapter) {
            sb.append(",delta_norm,delta_relative,delta_left_share_top").append(r).append(",delta_right_share_top").append(r)
              .append(",left_angle_max_deg_top").append(r).append(",right_angle_max_deg_top").append(r)
              .append(",adapted_spectral_norm,max_abs_singular_value_change");
        }
        sb.append('\n');
        for (var l : layers) {
            double[] s = l.values();
            sb.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.9g,%.9g,%.9g", l.key(), l.block(), l.rows(), l.cols(),
                    Spectra.spectralNorm(s), l.stableRank(), l.effectiveRank()));
            for (int k : SpectrumAnalysis.ENERGY_RANKS) {
                sb.append(k <= s.length || !l.randomized() ? String.format(Locale.ROOT, ",%.9g", l.topEnergy(k)) : ",");
            }
            sb.append(String.format(Locale.ROOT, ",%.3f,%b", l.svdMillis(), l.fromCache()));
            if (randomized) {
                sb.append(l.randomized() ? String.format(Locale.ROOT, ",%d,%.3g,%.3g", s.length, l.randomizedValueError(), l.randomizedSubspaceSine()) : ",,,");
            }
            if (adapter) {
                var c = l.change();
                if (c == null) {
                    sb.append(",,,,,,,,");
                } else {
                    double maxChange = 0;
                    for (int i = 0; i < s.length; i++) maxChange = Math.max(maxChange, Math.abs(c.adaptedValues()[i] - s[i]));
                    sb.append(String.format(Locale.ROOT, ",%.9g,%.9g,%.9g,%.9g,%.6f,%.6f,%.9g,%.9g", c.deltaNorm(), c.deltaRelative(), c.leftShare(), c.rightShare(),
                            c.leftAngleMaxDegrees(), c.rightAngleMaxDegrees(), c.adaptedValues()[0], maxChange));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String valuesCsv(List<SpectrumAnalysis.Layer> layers) {
        boolean adapter = layers.stream().anyMatch(l -> l.change() != null);
        StringBuilder sb = new StringBuilder(adapter ? "layer,index,singular_value,adapted_singular_value,change\n" : "layer,index,singular_value\n");
        for (var l : layers) {
            for (int i = 0; i < l.values().length; i++) {
                sb.append(l.key()).append(',').append(i).append(',').append(String.format(Locale.ROOT, "%.9g", l.values()[i]));
                if (adapter && l.change() != null) {
                    double a = l.change().adaptedValues()[i];
                    sb.append(String.format(Locale.ROOT, ",%.9g,%.9g", a, a - l.values()[i]));
                } else if (adapter) {
                    sb.append(",,");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    static XYChart singularValueChart(String block, List<SpectrumAnalysis.Layer> layers) {
        XYChart chart = new XYChartBuilder().width(1000).height(640).title("Singular values, " + block + " (s_i / s_1)")
                .xAxisTitle("index i").yAxisTitle("s_i / s_1").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setLegendFont(chart.getStyler().getLegendFont().deriveFont(10f));
        for (var l : layers) {
            double[] s = l.values();
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int i = 0; i < s.length; i++) {
                if (s[i] <= 0) break;
                x.add((double) i);
                y.add(s[i] / s[0]);
            }
            if (x.isEmpty()) continue;
            XYSeries series = chart.addSeries(shortName(l.key(), block), x, y);
            series.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    static HeatMapChart energyHeatMap(List<SpectrumAnalysis.Layer> layers) {
        int height = Math.max(400, 120 + 14 * layers.size());
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(height).title("Share of ||W||_F^2 in the top-r singular directions").build();
        List<String> x = new ArrayList<>();
        for (int k : SpectrumAnalysis.ENERGY_RANKS) x.add("r=" + k);
        List<String> y = new ArrayList<>();
        List<Number[]> heat = new ArrayList<>();
        for (int j = 0; j < layers.size(); j++) {
            y.add(shortName(layers.get(j).key(), ""));
            for (int i = 0; i < SpectrumAnalysis.ENERGY_RANKS.length; i++) {
                heat.add(new Number[] {i, j, Math.round(1000 * layers.get(j).topEnergy(SpectrumAnalysis.ENERGY_RANKS[i])) / 1000.0});
            }
        }
        chart.getStyler().setShowValue(true);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(1);
        chart.getStyler().setRangeColors(new Color[] {new Color(250, 250, 255), new Color(160, 195, 240), new Color(80, 130, 215)});
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(10f));
        chart.getStyler().setValueFont(chart.getStyler().getValueFont().deriveFont(9f));
        chart.addSeries("top-r energy", x, y, heat);
        return chart;
    }

    static XYChart changeChart(List<SpectrumAnalysis.Layer> layers, int r) {
        XYChart chart = new XYChartBuilder().width(1000).height(560).title("Adapter change per layer (top-" + r + " subspaces of W0)")
                .xAxisTitle("layer index (order of spectrum.csv)").yAxisTitle("share of ||dW||^2  /  angle / 90 deg").build();
        List<Double> x = new ArrayList<>(), left = new ArrayList<>(), right = new ArrayList<>(), angleL = new ArrayList<>(), angleR = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            var c = layers.get(i).change();
            if (c == null) continue;
            x.add((double) i);
            left.add(c.leftShare());
            right.add(c.rightShare());
            angleL.add(c.leftAngleMaxDegrees() / 90);
            angleR.add(c.rightAngleMaxDegrees() / 90);
        }
        chart.getStyler().setMarkerSize(5);
        chart.addSeries("dW share in left top-" + r, x, left);
        chart.addSeries("dW share in right top-" + r, x, right);
        chart.addSeries("largest left principal angle / 90", x, angleL);
        chart.addSeries("largest right principal angle / 90", x, angleR);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        return chart;
    }

    /** "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight" → "a0.t0.attn2.to_k" within its block. */
    static String shortName(String key, String block) {
        String s = key.endsWith(".weight") ? key.substring(0, key.length() - ".weight".length()) : key;
        if (!block.isEmpty() && s.startsWith(block + ".")) s = s.substring(block.length() + 1);
        return s.replace("down_blocks.", "down").replace("up_blocks.", "up").replace("attentions.", "a")
                .replace("transformer_blocks.", "t").replace("mid_block.", "mid.");
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString(), BitmapEncoder.BitmapFormat.PNG);
            SafetensorsWriter.moveIntoPlace(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
        return file;
    }
}
