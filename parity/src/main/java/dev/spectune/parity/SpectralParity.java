/*
 * SpectralParity: the Spectral Adapter against its authors' layers (pilancilab/spectral_adapter:
 * SpectralLinearLayer_part, additive, and SpectralLinearLayer_OFT, rotational; files
 * spectral_additive*.safetensors and spectral_rotational*.safetensors). From each file: the
 * decomposition the authors used (U, S, V from torch.svd), the rank (the length of spectral_C —
 * the rotational layer's real rank is its revised_r, not its rank argument), and the column block
 * the layer tunes, from the metadata as the authors' constructor takes it: top (True: blocks from
 * the top; False: the bottom r columns) and idx (block i = columns [i·r, (i+1)·r), or a list of
 * columns); their defaults, top=True and idx=0, where the metadata is silent. Compared: y, the
 * adapter-off output y_base, and the gradients of spectral_A, _B, _C — through SpectralAdapter as
 * training builds it.
 */
package dev.spectune.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.adapters.SpectralAdapter;
import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Tolerances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class SpectralParity {
    private SpectralParity() {}

    public static ParityReport run(Path folder) {
        ParityReport r = new ParityReport("spectral");
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().matches("spectral_(additive|rotational).*\\.safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(folder + ": cannot list: " + e.getMessage());
        }
        if (files.isEmpty()) throw new CheckpointException(folder + ": no spectral_additive*.safetensors or spectral_rotational*.safetensors");
        for (Path file : files) {
            try (GoldenFile g = r.open(file)) {
                boolean additive = file.getFileName().toString().startsWith("spectral_additive");
                String tag = file.getFileName().toString().replace(".safetensors", "") + " ";
                INDArray w0 = g.get("W0", DataType.FLOAT), x = g.get("x", DataType.FLOAT), b0 = g.get("b0", DataType.FLOAT);
                int rank = (int) g.shape("spectral_C")[0];
                SpectralAdapter.Columns columns = columns(g, rank);
                Svd svd = new Svd(g.get("U", DataType.FLOAT), g.get("S", DataType.FLOAT), g.get("V", DataType.FLOAT).transpose().dup('c'));
                SameDiff sd = SameDiff.create();
                AdaptedWeight a = SpectralAdapter.build(sd, "fc.weight", w0, svd,
                        additive ? SpectralAdapter.Kind.ADDITIVE : SpectralAdapter.Kind.ROTATIONAL, columns);
                for (AdapterParameter p : a.parameters()) p.value().assign(g.get(AdaptedLinear.leaf(p), DataType.FLOAT));
                AdaptedLinear.Result result = AdaptedLinear.run(sd, a, x, b0, g.get(AdaptedLinear.upstreamName(g, ""), DataType.FLOAT));
                String cols = "columns " + java.util.Arrays.toString(columns.indices(svd.s().length()));
                r.compare(tag + "y (" + cols + ")", result.y(), g.get("y", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                if (g.has("y_base")) r.compare(tag + "y_base (adapter off)", AdaptedLinear.base(w0, x, b0), g.get("y_base", DataType.FLOAT), Tolerances.MODEL_OUTPUT_F32_REL);
                for (AdapterParameter p : a.parameters()) {
                    String name = "grad." + AdaptedLinear.leaf(p);
                    r.compare(tag + name, result.grads().get(p.name()), g.get(name, DataType.FLOAT), Tolerances.GRADIENT_AND_PIPELINE_REL);
                }
            }
        }
        return r;
    }

    /** The tuned columns from the metadata's top and idx (the authors' constructor arguments). */
    static SpectralAdapter.Columns columns(GoldenFile g, int rank) {
        String declared = g.metadata("rank");
        if (declared != null && g.metadata("revised_r") == null && Integer.parseInt(declared.strip()) != rank && g.path().getFileName().toString().startsWith("spectral_additive")) {
            throw new CheckpointException(g.path() + ": metadata rank " + declared + " but spectral_C has " + rank + " entries");
        }
        String top = g.metadata("top"), idx = g.metadata("idx");
        if (top != null && !top.strip().equalsIgnoreCase("true") && !top.strip().equalsIgnoreCase("false")) {
            throw new CheckpointException(g.path() + ": metadata top '" + top + "' is neither True nor False");
        }
        if (top != null && top.strip().equalsIgnoreCase("false")) return SpectralAdapter.Columns.bottom(rank);
        if (idx == null || idx.isBlank()) return SpectralAdapter.Columns.top(rank);
        try {
            JsonNode node = new ObjectMapper().readTree(idx);
            if (node.isInt()) return new SpectralAdapter.Columns(rank, node.intValue(), null);
            if (node.isArray()) {
                int[] list = new int[node.size()];
                for (int i = 0; i < list.length; i++) list[i] = node.get(i).intValue();
                return new SpectralAdapter.Columns(rank, 0, list);
            }
        } catch (IOException e) {
            // fall through to the error below
        }
        throw new CheckpointException(g.path() + ": metadata idx '" + idx + "' is neither a block number nor a list of columns");
    }
}
