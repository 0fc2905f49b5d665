/*
 * ResultsPlot: results.png — a sweep's chosen score per method and setting, the mean over seeds
 * with the sample standard deviation as error bars (XChart), written to a temporary file and renamed.
 */
package dev.spectune.cli.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

final class ResultsPlot {
    private ResultsPlot() {}

    static void write(Path png, Map<String, List<Double>> groups, String score) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title("sweep: " + score + " (mean ± std over seeds)")
                .xAxisTitle("method and settings").yAxisTitle(score).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(20);
        List<String> names = new ArrayList<>();
        List<Double> means = new ArrayList<>(), stds = new ArrayList<>();
        for (var e : groups.entrySet()) {
            double m = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0), ss = 0;
            for (double v : e.getValue()) ss += (v - m) * (v - m);
            names.add(e.getKey());
            means.add(m);
            stds.add(e.getValue().size() > 1 ? Math.sqrt(ss / (e.getValue().size() - 1)) : 0);
        }
        if (names.isEmpty()) {                                                      // nothing finished yet: an empty chart says so
            names.add("(no finished run)");
            means.add(0.0);
            stds.add(0.0);
        }
        chart.addSeries(score, names, means, stds);
        Path temp = Files.createTempFile(png.toAbsolutePath().getParent(), ".results.", ".png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
            dev.spectune.checkpoint.safetensors.SafetensorsWriter.moveIntoPlace(temp, png);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
