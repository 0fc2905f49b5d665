/*
 * AdapterDirectoryTest: every method saves to a peft-shaped folder and loads back into a fresh
 * graph with bit-identical outputs (buffers such as VeRA's projections and LiDB's auxiliary
 * matrices included); peft's own LoRA folder loads, its target_modules list becoming the regex.
 */
package dev.spectune.adapters.io;

import dev.spectune.runtime.Tolerances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import dev.spectune.linalg.Matrices;
import dev.spectune.ops.Linear;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.testing.TestFixtures;
import dev.spectune.adapters.io.AdapterDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdapterDirectoryTest {

    static INDArray w1, w2, x;
    static final String TARGETS = ".*\\.fc[12]\\.weight";

    @BeforeAll
    static void data() {
        Nd4jRuntime.init();
        Nd4j.getRandom().setSeed(11);
        w1 = Nd4j.randn(DataType.FLOAT, 24, 16).muli(0.3);
        w2 = Nd4j.randn(DataType.FLOAT, 12, 24).muli(0.3);
        x = Nd4j.randn(DataType.FLOAT, 3, 16);
    }

    /** block.fc1 → tanh → block.fc2, weights as constants named by their keys. */
    static SDVariable mlp(SameDiff sd, INDArray a, INDArray b) {
        SDVariable h = sd.math().tanh(Linear.apply(sd, sd.constant("input", x), sd.constant("block.fc1.weight", a), null));
        return Linear.apply(sd, h, sd.constant("block.fc2.weight", b), null);
    }

    static java.util.List<String> methods() {
        return AdapterSpec.METHODS;
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("methods")
    void saveAndLoadIsBitExact(String method, @TempDir Path dir) throws Exception {
        AdapterSpec spec = method.equals("lidb") ? new AdapterSpec("lidb", new dev.spectune.adapters.Lidb.Config(1, 6, 5), 0)    // aux widths that fit the tiny MLP
                : AdapterSpec.defaults(method);
        SameDiff sd = SameDiff.create();
        SDVariable y = mlp(sd, w1, w2);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(TARGETS), spec.builder());
        Nd4j.getRandom().setSeed(5);
        for (AdaptedWeight a : layers) for (AdapterParameter p : a.parameters()) if (p.kind() == dev.spectune.optim.ParamKind.EUCLIDEAN) p.value().addi(Nd4j.randn(DataType.FLOAT, p.value().shape()).muli(0.05));
        INDArray expected = y.eval();
        assertThat(Matrices.relativeError(expected, mlp(SameDiff.create(), w1, w2).eval())).as("adapter moved the output").isGreaterThan(1e-5);
        AdapterDirectory.save(dir, spec, TARGETS, "hash", layers);

        AdapterDirectory.Saved saved = AdapterDirectory.read(dir);
        assertThat(saved.spec()).isEqualTo(spec);
        SameDiff fresh = SameDiff.create();
        SDVariable y2 = mlp(fresh, w1, w2);
        AdapterDirectory.apply(fresh, saved);
        assertThat(y2.eval()).as(method + " round trip").isEqualTo(expected);
        var config = new ObjectMapper().readTree(dir.resolve(AdapterDirectory.CONFIG).toFile());
        assertThat(config.path("target_modules").toString()).isEqualTo("[\"block.fc1\",\"block.fc2\"]");
        if (method.equals("vera")) {
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(AdapterDirectory.WEIGHTS))) {
                assertThat(f.names()).contains("base_model.vera_A", "base_model.vera_B", "base_model.model.block.fc1.vera_lambda_b");
            }
        }
    }

    @Test
    void peftsOwnLoraFolderLoads() throws Exception {
        Path peftDir = TestFixtures.path("golden/peft_v0.17/lora_adapter_dir");
        AdapterDirectory.Saved saved = AdapterDirectory.read(peftDir);
        assertThat(saved.spec().method()).isEqualTo("lora");
        assertThat(saved.spec().config()).isEqualTo(new dev.spectune.adapters.Lora.Config(4, 8, false));
        SameDiff sd = SameDiff.create();
        INDArray fc1;
        try (SafetensorsFile g = SafetensorsFile.open(TestFixtures.path("golden/peft_v0.17/lora.safetensors"))) {
            fc1 = g.read("base.fc1.weight", DataType.FLOAT);
        }
        sd.constant("fc1.weight", fc1);
        sd.constant("fc2.weight", Nd4j.zeros(DataType.FLOAT, 12, 24));
        List<AdaptedWeight> layers = AdapterDirectory.apply(sd, saved);
        assertThat(layers).hasSize(2);
        AdaptedWeight a = layers.stream().filter(l -> l.key().equals("fc1.weight")).findFirst().orElseThrow();
        INDArray expected = fc1.add(saved.tensors().get("fc1.lora_B.weight").mmul(saved.tensors().get("fc1.lora_A.weight")).muli(8.0 / 4));
        assertThat(Matrices.relativeError(a.merged(), expected)).isLessThan(Tolerances.ROUNDED_F32_REL);
    }

    @Test
    void aFolderThatDoesNotFitTheModelIsRefusedWithNames(@TempDir Path dir) throws Exception {
        AdapterSpec spec = AdapterSpec.defaults("lora");
        SameDiff sd = SameDiff.create();
        mlp(sd, w1, w2);
        AdapterDirectory.save(dir, spec, TARGETS, "hash", AdapterInjector.inject(sd, Pattern.compile(TARGETS), spec.builder()));
        SameDiff other = SameDiff.create();
        mlp(other, Nd4j.zeros(DataType.FLOAT, 24, 16), Nd4j.zeros(DataType.FLOAT, 12, 20));     // fc2 is [12, 20] here
        assertThatThrownBy(() -> AdapterDirectory.apply(other, AdapterDirectory.read(dir)))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("block.fc2.lora_A.weight").hasMessageContaining("[4, 24]");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).as("no temporary file left").noneMatch(n -> n.endsWith(".tmp"));
    }

    @Test
    void convLoraIsStoredAsPeftStoresItAndLoadsBack(@TempDir Path dir) throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray kernel = dev.spectune.ops.Conv2d.oihwToYxio(Nd4j.randn(DataType.FLOAT, 12, 8, 3, 3));       // [3, 3, 8, 12]
        INDArray image = Nd4j.randn(DataType.FLOAT, 2, 8, 6, 6);
        java.util.function.Function<SameDiff, SDVariable> net = sd -> dev.spectune.ops.Conv2d.apply(sd, sd.constant("img", image),
                sd.constant("block.conv.weight", kernel), null, 1, 1, 1);
        AdapterSpec spec = AdapterSpec.defaults("lora");
        SameDiff sd = SameDiff.create();
        SDVariable y = net.apply(sd);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(".*conv\\.weight"), spec.builder());
        layers.get(0).parameters().get(1).value().assign(Nd4j.randn(DataType.FLOAT, 12, 4).muli(0.1));
        INDArray expected = y.eval();
        AdapterDirectory.save(dir, spec, ".*conv\\.weight", "hash", layers);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(AdapterDirectory.WEIGHTS))) {
            assertThat(f.info("base_model.model.block.conv.lora_A.weight").shape()).containsExactly(4, 8, 3, 3);
            assertThat(f.info("base_model.model.block.conv.lora_B.weight").shape()).containsExactly(12, 4, 1, 1);
        }
        SameDiff fresh = SameDiff.create();
        SDVariable y2 = net.apply(fresh);
        AdapterDirectory.apply(fresh, AdapterDirectory.read(dir));
        assertThat(y2.eval()).isEqualTo(expected);
    }

    @Test
    void foldersWrittenBeforeTheRegistryStillLoad(@TempDir Path dir) throws Exception {
        AdapterSpec spec = new AdapterSpec("oft", new dev.spectune.adapters.Oft.Config(2, 0, dev.spectune.adapters.Oft.Layout.PEFT_0_17, 0, 0, true), 0);
        SameDiff sd = SameDiff.create();
        SDVariable y = mlp(sd, w1, w2);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(TARGETS), spec.builder());
        layers.get(0).parameters().get(0).value().addi(0.1);
        AdapterDirectory.save(dir, spec, TARGETS, "hash", layers);
        // The "spectune" block as it was before each method had its own settings record: flat flags.
        var mapper = new ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(dir.resolve(AdapterDirectory.CONFIG).toFile());
        root.set("spectune", mapper.readTree("""
                {"method": "oft", "target_regex": "%s", "base_model_hash": "hash", "rank": 2, "lora_alpha": 2.0, "use_rslora": false,
                 "column_block": 0, "initial_delta": 0.0, "relu": true, "rotation_side": "INPUT", "factor_mode": "AUTHORS", "factor_count": 3,
                 "seed": 0, "oft_layout": "PEFT_0_17", "oft_block_size": 0, "neumann_terms": 0, "coft_eps": 0.0, "block_share": true,
                 "vera_d_initial": 0.1, "lidb_a": 100, "lidb_b": 50, "spectral_stiefel": false, "factor_table": {}}
                """.formatted(TARGETS.replace("\\", "\\\\"))));
        mapper.writeValue(dir.resolve(AdapterDirectory.CONFIG).toFile(), root);
        AdapterDirectory.Saved saved = AdapterDirectory.read(dir);
        assertThat(saved.spec()).isEqualTo(spec);
        SameDiff fresh = SameDiff.create();
        SDVariable y2 = mlp(fresh, w1, w2);
        AdapterDirectory.apply(fresh, saved);
        assertThat(y2.eval()).isEqualTo(y.eval());
    }

    @Test
    void foldersOfTheFirstLayoutStillLoad(@TempDir Path dir) throws Exception {
        AdapterSpec spec = AdapterSpec.defaults("soda-svd");
        SameDiff sd = SameDiff.create();
        SDVariable y = mlp(sd, w1, w2);
        List<AdaptedWeight> layers = AdapterInjector.inject(sd, Pattern.compile(TARGETS), spec.builder());
        layers.get(0).parameters().get(0).value().addi(0.1);
        AdapterDirectory.save(dir, spec, TARGETS, "hash", layers);
        // Rewrite the config as the first release wrote it: flat, spectune_method, the regex in target_modules.
        Files.writeString(dir.resolve(AdapterDirectory.CONFIG), """
                {"peft_type": "SPECTUNE_SODA_SVD", "spectune_method": "soda-svd", "target_modules": "%s", "base_model_hash": "hash",
                 "r": 4, "lora_alpha": 4.0, "use_rslora": false, "column_block": 0, "initial_delta": 0.0, "relu": true,
                 "rotation_side": "INPUT", "factor_mode": "AUTHORS", "factor_count": 3, "seed": 0, "factor_table": {}}
                """.formatted(TARGETS.replace("\\", "\\\\")));
        AdapterDirectory.Saved saved = AdapterDirectory.read(dir);
        assertThat(saved.spec()).isEqualTo(spec);
        assertThat(saved.targets()).isEqualTo(TARGETS);
        SameDiff fresh = SameDiff.create();
        SDVariable y2 = mlp(fresh, w1, w2);
        AdapterDirectory.apply(fresh, saved);
        assertThat(y2.eval()).isEqualTo(y.eval());
    }
}
