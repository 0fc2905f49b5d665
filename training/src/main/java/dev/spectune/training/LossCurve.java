/* LossCurve: the training log as CSV and as a PNG chart (XChart): loss per step and its running mean. */
package dev.spectune.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

public final class LossCurve {
    private LossCurve() {}

    public static void writeCsv(Path file, List<DreamBoothTrainer.StepLog> log) throws IOException {
        StringBuilder sb = new StringBuilder("step,loss,lr,grad_norm,seconds\n");
        for (var l : log) sb.append(String.format("%d,%.8g,%.8g,%.8g,%.4f%n", l.step(), l.loss(), l.learningRate(), l.gradNorm(), l.seconds()));
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.writeText(file, sb.toString());
    }

    public static void writePng(Path file, List<DreamBoothTrainer.StepLog> log, String title) throws IOException {
        List<Double> x = new ArrayList<>(), y = new ArrayList<>(), mean = new ArrayList<>();
        double running = 0;
        for (int i = 0; i < log.size(); i++) {
            x.add((double) log.get(i).step());
            y.add(log.get(i).loss());
            running = i == 0 ? log.get(i).loss() : 0.95 * running + 0.05 * log.get(i).loss();
            mean.add(running);
        }
        XYChart chart = new XYChartBuilder().width(800).height(480).title(title).xAxisTitle("step").yAxisTitle("loss (MSE)").build();
        chart.getStyler().setMarkerSize(3);
        chart.addSeries("loss", x, y);
        chart.addSeries("running mean", x, mean);
        String base = file.toString().replaceAll("\\.png$", "");
        BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
