/*
 * PeftParity: spectune's LoRA, rsLoRA, DoRA, conv LoRA, OFT, COFT, VeRA, LoHa, LoKr, HRA and IA3 against peft's own
 * layers (shared/golden/peft for peft 0.13.2, shared/golden/peft_v0.17 for peft 0.17.0). Each file
 * holds a TinyMLP (fc1 → tanh → fc2, or one Conv2d 8 → 12, 3×3, padding 1), the adapter state dict
 * as peft saves it, an input, an upstream gradient G, and peft's output, merged weights and
 * adapter-parameter gradients of Σ y⊙G. Here the base weights become graph constants, the adapter
 * is injected through AdapterInjector with options read from the file's peft config, loaded from
 * the peft tensors (conv LoRA factors reshaped to the flattened layout), and compared.
 * LoHa, LoKr, HRA and IA3 (merged bias included) are compared too; BOFT, which spectune does not
 * implement, is listed, not compared.
 */
package dev.spectune.training.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.Dora;
import dev.spectune.adapters.Hra;
import dev.spectune.adapters.Ia3;
import dev.spectune.adapters.Loha;
import dev.spectune.adapters.Lokr;
import dev.spectune.adapters.Lora;
import dev.spectune.adapters.Oft;
import dev.spectune.adapters.Vera;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.ops.Conv2d;
import dev.spectune.ops.Linear;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class PeftParity {
    private PeftParity() {}

    static final String ADAPTER = "adapter.base_model.model.", GRAD = "grad.base_model.model.";
    /** BOFT (butterfly factors) is not implemented. */
    static final List<String> NOT_IMPLEMENTED = List.of("boft");

    public static ParityReport run(Path folder) {
        ParityReport report = new ParityReport("peft " + folder.getFileName());
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot list the golden folder", e);
        }
        if (files.isEmpty()) throw new CheckpointException(folder + ": no peft golden .safetensors files");
        List<String> skipped = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString().replace(".safetensors", "");
            if (NOT_IMPLEMENTED.stream().anyMatch(name::startsWith)) {
                skipped.add(name);
                continue;
            }
            try (SafetensorsFile g = SafetensorsFile.open(file)) {
                compareOne(report, name, g);
            }
        }
        if (!skipped.isEmpty()) System.out.println("not compared (peft methods spectune does not implement): " + skipped);
        return report;
    }

    private static void compareOne(ParityReport report, String name, SafetensorsFile g) {
        JsonNode config = config(g);
        boolean conv = g.contains("base.conv.weight");
        List<String> modules = conv ? List.of("conv") : List.of("fc1", "fc2");
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", g.read("x", DataType.FLOAT));
        SDVariable y = conv ? convNet(sd, g, x) : mlp(sd, g, x);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile("(" + String.join("|", modules) + ")\\.weight"), method(config, g));
        for (AdaptedWeight a : layers) {
            for (AdapterParameter p : a.parameters()) {
                String stored = ADAPTER + p.name();
                if (!g.contains(stored)) throw new CheckpointException(g.path() + ": no tensor " + stored + " for parameter " + p.name());
                p.value().assign(g.read(stored, DataType.FLOAT).reshape(p.value().shape()));
            }
            a.constrain();
        }
        SDVariable loss = y.mul(sd.constant("G", g.read("upstream_grad", DataType.FLOAT))).sum().rename("loss");
        sd.setLossVariables(loss);
        List<String> names = new ArrayList<>();
        layers.forEach(a -> a.parameters().forEach(p -> names.add(p.name())));
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), names);
        String tag = name + " ";
        report.compare(tag + "y", y.eval(), g.read("y", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
        for (AdaptedWeight a : layers) {
            String module = a.key().replace(".weight", "");
            INDArray expected = g.read("merged." + module + ".weight", DataType.FLOAT);
            report.compare(tag + "merged " + module, a.merged().reshape(expected.shape()), expected, Tolerances.MODEL_OUTPUT_F32_REL);
            if (a.bias() != null) {
                report.compare(tag + "merged " + module + ".bias", a.bias().value().eval(), g.read("merged." + module + ".bias", DataType.FLOAT),
                        Tolerances.MODEL_OUTPUT_F32_REL);
            }
            for (AdapterParameter p : a.parameters()) {
                INDArray golden = g.read(gradName(g, p.name()), DataType.FLOAT);
                report.compare(tag + "grad " + p.name(), grads.get(p.name()), golden.reshape(p.value().shape()), Tolerances.GRADIENT_AND_PIPELINE_REL);
            }
        }
    }

    /** peft's gradient key for our parameter: "fc1.lora_A.weight" → "grad.….fc1.lora_A.default.weight". */
    static String gradName(SafetensorsFile g, String param) {
        int dot = param.indexOf('.');
        String module = param.substring(0, dot), rest = param.substring(dot + 1);
        String leaf = rest.endsWith(".weight") ? rest.substring(0, rest.length() - ".weight".length()) : rest;
        for (String candidate : List.of(GRAD + module + "." + leaf + ".default.weight", GRAD + module + "." + leaf + ".default")) {
            if (g.contains(candidate)) return candidate;
        }
        throw new CheckpointException(g.path() + ": no gradient for " + param + " (looked for " + GRAD + module + "." + leaf + ".default[.weight])");
    }

    private static JsonNode config(SafetensorsFile g) {
        try {
            return new ObjectMapper().readTree(g.metadata().get("config"));
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(g.path() + ": no readable peft config in the metadata (" + e.getMessage() + ")");
        }
    }

    /** The spectune method and options peft's config describes. */
    static AdapterInjector.Method method(JsonNode c, SafetensorsFile g) {
        String type = c.path("peft_type").asText();
        int r = c.path("r").asInt();
        return switch (type) {
            case "LORA" -> {
                Lora.Options o = new Lora.Options(r, c.path("lora_alpha").asDouble(), c.path("use_rslora").asBoolean(false), 0);
                yield c.path("use_dora").asBoolean(false) ? (sd, key, w0) -> Dora.build(sd, key, w0, o) : (sd, key, w0) -> Lora.build(sd, key, w0, o);
            }
            case "OFT" -> {
                boolean v013 = !c.has("use_cayley_neumann");
                int terms = v013 || !c.path("use_cayley_neumann").asBoolean() ? 0 : c.path("num_cayley_neumann_terms").asInt(5);
                Oft.Options o = new Oft.Options(r, v013 ? Oft.Layout.PEFT_0_13 : Oft.Layout.PEFT_0_17, terms,
                        c.path("coft").asBoolean(false) ? c.path("eps").asDouble() : 0, c.path("block_share").asBoolean(false));
                yield (sd, key, w0) -> Oft.build(sd, key, w0, o);
            }
            case "VERA" -> {
                Vera.Projections shared = new Vera.Projections(g.read("adapter.base_model.vera_A", DataType.FLOAT), g.read("adapter.base_model.vera_B", DataType.FLOAT));
                double d = c.path("d_initial").asDouble(0.1);
                yield (sd, key, w0) -> Vera.build(sd, key, w0, shared, d);
            }
            case "LOHA" -> (sd, key, w0) -> Loha.build(sd, key, w0, r, c.path("alpha").asDouble(), 0);
            case "LOKR" -> {
                double scale = c.has("rank_dropout_scale") ? c.path("alpha").asDouble() / r : 1.0;   // peft 0.13 did not scale full factors
                yield (sd, key, w0) -> Lokr.build(sd, key, w0, scale, 0);
            }
            case "IA3" -> {
                List<String> feedforward = new ArrayList<>();
                c.path("feedforward_modules").forEach(m -> feedforward.add(m.asText()));
                yield (sd, key, w0) -> Ia3.build(sd, key, w0, feedforward.contains(key.substring(0, key.length() - ".weight".length())));
            }
            case "HRA" -> {
                if (c.path("apply_GS").asBoolean(false)) throw new CheckpointException(g.path() + ": HRA with Gram–Schmidt (apply_GS) is not implemented");
                yield (sd, key, w0) -> Hra.build(sd, key, w0, r, 0);
            }
            default -> throw new CheckpointException(g.path() + ": peft_type " + type + " is not one spectune implements");
        };
    }

    /** TinyMLP: y = fc2(tanh(fc1(x))). */
    private static SDVariable mlp(SameDiff sd, SafetensorsFile g, SDVariable x) {
        SDVariable h = sd.math().tanh(Linear.apply(sd, x, sd.constant("fc1.weight", g.read("base.fc1.weight", DataType.FLOAT)),
                sd.constant("fc1.bias", g.read("base.fc1.bias", DataType.FLOAT))));                                  // [N, 24]
        return Linear.apply(sd, h, sd.constant("fc2.weight", g.read("base.fc2.weight", DataType.FLOAT)),
                sd.constant("fc2.bias", g.read("base.fc2.bias", DataType.FLOAT)));                                   // [N, 12]
    }

    /** One Conv2d, 3×3, stride 1, padding 1. */
    private static SDVariable convNet(SameDiff sd, SafetensorsFile g, SDVariable x) {
        INDArray w = Conv2d.oihwToYxio(g.read("base.conv.weight", DataType.FLOAT));
        return Conv2d.apply(sd, x, sd.constant("conv.weight", w), sd.constant("conv.bias", g.read("base.conv.bias", DataType.FLOAT)), 1, 1, 1);
    }

}
