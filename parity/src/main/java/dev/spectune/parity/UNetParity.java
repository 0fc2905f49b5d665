/*
 * UNetParity: UNet2DConditionModel against a golden folder (config.json, weights, io.safetensors
 * with sample, timesteps, encoder_hidden_states, out, out_t<T> (every timestep T, read from the
 * name), out_f64 and the "act.<module>" activations diffusers' forward hooks recorded).
 */
package dev.spectune.parity;

import dev.spectune.checkpoint.Checkpoint;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.config.UNetConfig;
import dev.spectune.model.ModelGraph;
import dev.spectune.model.UNet2DConditionModel;
import dev.spectune.runtime.Tolerances;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class UNetParity {
    private UNetParity() {}

    public static ParityReport run(Path folder) {
        UNetConfig config = UNetConfig.fromJson(folder.resolve("config.json"));
        ParityReport report = new ParityReport("unet");
        try (GoldenFile golden = report.openIo(folder); WeightSource weights = Checkpoint.openComponentFolder(folder)) {
            return compare(report, config, weights, golden, "sample", "timesteps", "encoder_hidden_states", "out", "act.", true);
        }
    }

    /** Shared with the single-file parity: runs the UNet on the golden inputs and compares. */
    static ParityReport compare(ParityReport report, UNetConfig config, WeightSource weights, GoldenFile golden, String sampleName,
                                String timestepName, String contextName, String outName, String actPrefix, boolean extras) {
        INDArray sample = golden.get(sampleName, DataType.FLOAT);
        INDArray timesteps = golden.get(timestepName, DataType.FLOAT);
        INDArray context = golden.get(contextName, DataType.FLOAT);
        int batch = (int) sample.size(0);
        if (timesteps.length() == 1 && batch > 1) timesteps = Nd4j.valueArrayOf(new long[] {batch}, timesteps.getDouble(0), DataType.FLOAT);
        timesteps = timesteps.reshape(batch);
        ModelGraph g = UNet2DConditionModel.build(config, weights, DataType.FLOAT, batch, (int) sample.size(2), (int) sample.size(3), (int) context.size(1));
        List<String> taps = new ArrayList<>(List.of("out"));
        for (String name : golden.names()) {
            if (name.startsWith(actPrefix) && g.hasTap(name.substring(actPrefix.length()))) taps.add(name.substring(actPrefix.length()));
        }
        Map<String, INDArray> out = g.run(Map.of("sample", sample, "timestep", timesteps, "encoder_hidden_states", context), taps.toArray(String[]::new));
        report.compare(outName, out.get("out"), golden.get(outName, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
        for (String tap : taps) {
            if (!tap.equals("out")) report.compare(actPrefix + tap, out.get(tap), golden.get(actPrefix + tap, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
        }
        for (String name : golden.names()) {
            if (name.startsWith(actPrefix) && !g.hasTap(name.substring(actPrefix.length()))) {
                golden.use(name);
                report.check(name, Double.NaN, 0, "no such activation in the graph");
            }
        }
        if (!extras) return report;
        for (String name : golden.names()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(outName) + "_t(\\d+)").matcher(name);
            if (!m.matches()) continue;
            INDArray t = Nd4j.valueArrayOf(new long[] {batch}, Double.parseDouble(m.group(1)), DataType.FLOAT);
            INDArray o = g.run(Map.of("sample", sample, "timestep", t, "encoder_hidden_states", context), "out").get("out");
            report.compare(name + " (every timestep " + m.group(1) + ")", o, golden.get(name, DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
        }
        if (golden.has("out_f64")) {
            ModelGraph g64 = UNet2DConditionModel.build(config, weights, DataType.DOUBLE, batch, (int) sample.size(2), (int) sample.size(3), (int) context.size(1));
            INDArray o = g64.run(Map.of("sample", golden.get(sampleName, DataType.DOUBLE), "timestep", timesteps.castTo(DataType.DOUBLE),
                    "encoder_hidden_states", golden.get(contextName, DataType.DOUBLE)), "out").get("out");
            report.compare("out_f64 (float64 run)", o, golden.get("out_f64", DataType.DOUBLE), Tolerances.MODEL_OUTPUT_F64_REL);
        }
        return report;
    }
}
