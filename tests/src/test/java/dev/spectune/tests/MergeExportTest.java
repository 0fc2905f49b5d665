/*
 * MergeExportTest: adapters as weight updates on the tiny golden pipeline — merging into W0 gives
 * the images of the injected adapter, unmerging restores W0, strength 0 is the base model; the
 * kohya export is the truncated SVD (its error equals the Eckart–Young bound from the singular
 * values, and is ~0 at full rank) and loads back; `export` and `sample` accept several adapters.
 */
package dev.spectune.tests;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.linalg.Matrices;
import dev.spectune.linalg.Svd;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import dev.spectune.optim.ParamKind;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.TestFixtures;
import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.adapters.io.AdapterMerge;
import dev.spectune.adapters.io.KohyaLora;
import dev.spectune.adapters.io.DiffusersLoraFile;
import dev.spectune.checkpoint.names.NameMapping;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MergeExportTest {

    static final Path MODEL = TestFixtures.path("golden/pipeline_tiny");
    static final GenerationRequest REQUEST = GenerationRequest.of("a photo of sks dog").withSteps(4).withGuidance(5.0).withSeed(1).withSize(32, 32);

    @TempDir
    static Path dir;

    @BeforeAll
    static void init() {
        Nd4jRuntime.init();
    }

    /** A trained-looking adapter: parameters moved away from init, saved to a folder. */
    static Path randomAdapter(String method, AdapterSpec spec, String name, long seed) throws Exception {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            WeightSource unet = pipe.component("unet");
            SameDiff sd = SameDiff.create();
            Pattern targets = AdapterInjector.UNET_ATTENTION;
            for (String k : unet.keys()) if (targets.matcher(k).matches()) sd.constant(k, unet.read(k, DataType.FLOAT));
            List<AdaptedWeight> layers = AdapterInjector.inject(sd, targets, spec.builder());
            Nd4j.getRandom().setSeed(seed);
            for (AdaptedWeight a : layers) {
                for (AdapterParameter p : a.parameters()) {
                    if (p.kind() == ParamKind.EUCLIDEAN) p.value().addi(Nd4j.randn(DataType.FLOAT, p.value().shape()).muli(0.05));
                }
            }
            Path out = dir.resolve(name);
            AdapterDirectory.save(out, spec, targets.pattern(), "test", layers);
            return out;
        }
    }

    /** A random text-encoder adapter in {@code unetAdapter}/text_encoder, as training with --train-text-encoder writes it. */
    static void addTextAdapter(Path unetAdapter, String method, long seed) throws Exception {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            WeightSource text = pipe.component("text_encoder");
            SameDiff sd = SameDiff.create();
            for (String k : text.keys()) if (AdapterInjector.TEXT_ATTENTION.matcher(k).matches()) sd.constant(k, text.read(k, DataType.FLOAT));
            AdapterSpec spec = AdapterSpec.defaults(method);
            List<AdaptedWeight> layers = AdapterInjector.inject(sd, AdapterInjector.TEXT_ATTENTION, spec.builder());
            Nd4j.getRandom().setSeed(seed);
            for (AdaptedWeight a : layers) for (AdapterParameter p : a.parameters()) p.value().addi(Nd4j.randn(DataType.FLOAT, p.value().shape()).muli(0.05));
            AdapterDirectory.save(unetAdapter.resolve(AdapterDirectory.TEXT_ENCODER), spec, AdapterInjector.TEXT_ATTENTION.pattern(), "test", layers);
        }
    }

    @Test
    void textEncoderUpdatesTravelThroughKohyaExportAndSample() throws Exception {
        Path adapter = randomAdapter("lora", AdapterSpec.defaults("lora"), "with-text", 11);
        addTextAdapter(adapter, "lora", 12);
        Path kohya = dir.resolve("with-text.safetensors");
        var r = CheckpointCliTest.run(new String[] {"export", "--model", MODEL.toString(), "--adapter", adapter.toString(), "--rank", "4", "--out", kohya.toString()});
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("40 modules, rank 4");                                 // 32 UNet + 8 text-encoder projections
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            WeightSource unet = pipe.component("unet"), vae = pipe.component("vae"), text = pipe.component("text_encoder");
            Map<String, INDArray> fromFolder = AdapterMerge.loadTextEncoder(adapter, text, unet, vae), fromKohya = AdapterMerge.loadTextEncoder(kohya, text, unet, vae);
            assertThat(fromKohya.keySet()).isEqualTo(fromFolder.keySet()).hasSize(8);
            for (String k : fromFolder.keySet()) assertThat(Matrices.relativeError(fromKohya.get(k), fromFolder.get(k))).as(k).isLessThan(Tolerances.RECOMPUTED_F32_REL);   // LoRA r4: exact at rank 4
        }
        INDArray base = generate(g -> { });
        Path png = dir.resolve("with-text.png");
        var s = CheckpointCliTest.run(new String[] {"sample", "--model", MODEL.toString(), "--prompt", "a photo of sks dog", "--steps", "4", "--guidance", "5",
                "--seed", "1", "--height", "32", "--width", "32", "--scheduler", "ddim", "--adapter", kohya.toString(), "--out", png.toString()});
        assertThat(s.code()).as(s.err()).isZero();
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            Map<String, INDArray> textDeltas = AdapterMerge.loadTextEncoder(adapter, pipe.component("text_encoder"), pipe.component("unet"), pipe.component("vae"));
            pipe.setTextEncoderHook(g -> AdapterMerge.addInto(g.sd(), textDeltas, 1.0));
            INDArray textOnly = pipe.generate(REQUEST, StepListener.NONE).images();
            assertThat(Matrices.relativeError(textOnly, base)).as("the text-encoder update changes the image").isGreaterThan(1e-4);
        }
    }

    static INDArray generate(java.util.function.Consumer<dev.spectune.model.ModelGraph> hook) {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            pipe.setUNetHook(hook);
            return pipe.generate(REQUEST, StepListener.NONE).images();
        }
    }

    @Test
    void mergingGivesTheInjectedAdaptersImagesAndUnmergeRestoresTheBase() throws Exception {
        for (String method : List.of("soda-svd", "oft", "spectral-a", "ia3")) {
            Path adapter = randomAdapter(method, AdapterSpec.defaults(method), method, 3);
            AdapterDirectory.Saved saved = AdapterDirectory.read(adapter);
            Map<String, INDArray> deltas;
            try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
                deltas = AdapterMerge.deltas(pipe.component("unet"), saved);
            }
            assertThat(deltas.keySet().stream().filter(k -> k.endsWith(".weight")).count()).isEqualTo(32);   // 8 attention blocks × q, k, v, out
            assertThat(deltas.keySet().stream().filter(k -> k.endsWith(".bias")).count()).isEqualTo(method.equals("ia3") ? 8 : 0);   // IA3 scales to_out.0's bias
            INDArray injected = generate(g -> AdapterDirectory.apply(g.sd(), saved));
            INDArray merged = generate(g -> AdapterMerge.addInto(g.sd(), deltas, 1.0));
            INDArray base = generate(g -> { });
            double moved = Matrices.relativeError(injected, base), gap = Matrices.relativeError(merged, injected);
            System.out.printf("%-10s images: adapter vs base %.3e, merged vs injected %.3e%n", method, moved, gap);
            assertThat(moved).as(method + " adapter changes the image").isGreaterThan(1e-3);
            assertThat(gap).as(method + " merged = injected").isLessThan(Tolerances.MODEL_OUTPUT_F32_REL);
            INDArray zero = generate(g -> AdapterMerge.addInto(g.sd(), AdapterMerge.combine(List.of(deltas), List.of(0.0)), 1.0));
            assertThat(zero).as("strength 0 is the base model").isEqualTo(base);
            generate(g -> {
                Map<String, INDArray> before = new java.util.HashMap<>();
                deltas.keySet().forEach(k -> before.put(k, g.sd().getVariable(k).getArr().dup()));
                AdapterMerge.addInto(g.sd(), deltas, 1.0);
                AdapterMerge.addInto(g.sd(), deltas, -1.0);
                before.forEach((k, w) -> assertThat(Matrices.relativeError(g.sd().getVariable(k).getArr(), w)).as("unmerge " + k).isLessThan(Tolerances.ROUNDED_F32_REL));
            });
        }
    }

    @Test
    void kohyaExportIsTheTruncatedSvdAndLoadsBack() throws Exception {
        Path adapter = randomAdapter("soda-svd", AdapterSpec.defaults("soda-svd"), "soda-kohya", 5);
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(MODEL, null)) {
            WeightSource unet = pipe.component("unet"), vae = pipe.component("vae");
            LdmLayout layout = LdmLayout.fromDiffusers(unet.keys(), vae.keys());
            Map<String, INDArray> deltas = AdapterMerge.deltas(unet, AdapterDirectory.read(adapter));
            List<KohyaLora.Layer> rank1 = KohyaLora.write(dir.resolve("r1.safetensors"), deltas, Map.of(), NameMapping.KohyaNames.DIFFUSERS, layout, 1, Map.of());
            for (KohyaLora.Layer l : rank1) {
                double[] s = Svd.of(deltas.get(l.key()).castTo(DataType.DOUBLE)).s().toDoubleVector();
                double tail = 0, all = 0;
                for (int i = 0; i < s.length; i++) { all += s[i] * s[i]; if (i >= 1) tail += s[i] * s[i]; }
                assertThat(l.relativeError()).as("Eckart–Young " + l.key()).isCloseTo(Math.sqrt(tail / all), org.assertj.core.data.Offset.offset(Tolerances.ROUNDED_F32_REL));
                assertThat(l.relativeError()).isGreaterThan(0.05);                         // a SODA update is far from rank 1
            }
            // Full rank, in each kohya spelling and in diffusers' own layout: every file loads back to ΔW.
            for (NameMapping.KohyaNames names : NameMapping.KohyaNames.values()) {
                Path file = dir.resolve("full-" + names + ".safetensors");
                List<KohyaLora.Layer> full = KohyaLora.write(file, deltas, Map.of(), names, layout, 1024, Map.of());
                assertThat(full.stream().mapToDouble(KohyaLora.Layer::relativeError).max().orElseThrow()).isLessThan(Tolerances.RECOMPUTED_F32_REL);
                assertLoadsBack(AdapterMerge.load(file, unet, vae), deltas);
                assertThat(full.get(0).kohyaName()).startsWith(names == NameMapping.KohyaNames.DIFFUSERS
                        ? "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn" : "lora_unet_input_blocks_1_1_transformer_blocks_0_attn");
            }
            Path diffusers = dir.resolve("pytorch_lora_weights.safetensors");
            List<KohyaLora.Layer> layers = DiffusersLoraFile.write(diffusers, deltas, Map.of(), 1024, Map.of());
            assertThat(layers.get(0).kohyaName()).startsWith("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn");
            assertLoadsBack(AdapterMerge.load(diffusers, unet, vae), deltas);
        }
    }

    private static void assertLoadsBack(Map<String, INDArray> back, Map<String, INDArray> deltas) {
        assertThat(back.keySet()).isEqualTo(deltas.keySet());
        for (String k : deltas.keySet()) assertThat(Matrices.relativeError(back.get(k), deltas.get(k))).as(k).isLessThan(Tolerances.RECOMPUTED_F32_REL);
    }

    @Test
    void exportAndSampleFuseSeveralAdapters() throws Exception {
        AdapterSpec block0 = new AdapterSpec("spectral-a", new dev.spectune.adapters.SpectralAdapter.Config(2, "top", false), 0);
        AdapterSpec block1 = new AdapterSpec("spectral-a", new dev.spectune.adapters.SpectralAdapter.Config(2, "block:1", false), 0);
        Path a = randomAdapter("spectral-a", block0, "concept0", 7), b = randomAdapter("spectral-a", block1, "concept1", 8);
        Path sum = dir.resolve("sum.safetensors"), mean = dir.resolve("mean.safetensors");
        var r1 = CheckpointCliTest.run(new String[] {"export", "--model", MODEL.toString(), "--adapter", a.toString(), "--adapter", b.toString(),
                "--format", "deltas", "--out", sum.toString()});
        assertThat(r1.code()).as(r1.err()).isZero();
        assertThat(r1.out()).contains("spectral-a fusion: column sets pairwise disjoint");
        var r2 = CheckpointCliTest.run(new String[] {"export", "--model", MODEL.toString(), "--adapter", a.toString(), "--adapter", b.toString(),
                "--fusion", "mean", "--format", "deltas", "--out", mean.toString()});
        assertThat(r2.code()).as(r2.err()).isZero();
        try (var s = dev.spectune.checkpoint.safetensors.SafetensorsFile.open(sum); var m = dev.spectune.checkpoint.safetensors.SafetensorsFile.open(mean)) {
            assertThat(s.names()).hasSize(32);
            for (String k : s.names()) {
                assertThat(Matrices.relativeError(m.read(k, DataType.FLOAT).mul(2), s.read(k, DataType.FLOAT))).as(k).isLessThan(Tolerances.ROUNDED_F32_REL);
            }
        }
        Path kohya = dir.resolve("fused.safetensors");
        var r3 = CheckpointCliTest.run(new String[] {"export", "--model", MODEL.toString(), "--adapter", a.toString(), "--adapter", b.toString(),
                "--strength", "1", "--strength", "0.5", "--rank", "4", "--out", kohya.toString()});
        assertThat(r3.code()).as(r3.err()).isZero();
        assertThat(r3.out()).contains("32 modules, rank 4");
        var overlap = CheckpointCliTest.run(new String[] {"export", "--model", MODEL.toString(), "--adapter", a.toString(), "--adapter", a.toString(),
                "--format", "deltas", "--out", dir.resolve("twice.safetensors").toString()});
        assertThat(overlap.out()).contains("adapters 1 and 2 share singular-vector column 0");
        Path png = dir.resolve("fused.png");
        var r4 = CheckpointCliTest.run(new String[] {"sample", "--model", MODEL.toString(), "--prompt", "a photo of sks dog", "--steps", "2",
                "--height", "32", "--width", "32", "--adapter", a.toString(), "--adapter", kohya.toString(), "--strength", "1", "--strength", "0.7",
                "--out", png.toString()});
        assertThat(r4.code()).as(r4.err()).isZero();
        assertThat(png).exists();
    }

}
