/*
 * SingleFileCheckpoint: an original CompVis/LDM checkpoint (one safetensors file with
 * model.diffusion_model.*, first_stage_model.*, cond_stage_model.transformer.*), presented as
 * three WeightSources under diffusers names. The layout that the renaming needs is detected from
 * the file's own keys; the VAE attention 1x1 convs are reshaped to linears on read. Keys of no
 * network (schedule buffers, EMA copies) are listed in {@link #ignoredKeys}.
 */
package dev.spectune.checkpoint;

import dev.spectune.checkpoint.names.Component;
import dev.spectune.checkpoint.names.LdmLayout;
import dev.spectune.checkpoint.names.NameMapping;
import dev.spectune.checkpoint.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class SingleFileCheckpoint implements AutoCloseable {

    private final SafetensorsFile file;
    private final LdmLayout layout;
    private final Map<Component, Map<String, String>> diffusersToLdm = new EnumMap<>(Component.class);
    private final List<String> ignored = new ArrayList<>();

    private SingleFileCheckpoint(SafetensorsFile file) {
        this.file = file;
        List<String> unet = new ArrayList<>(), vae = new ArrayList<>();
        for (String k : file.names()) {
            if (k.startsWith(Component.UNET.ldmPrefix())) unet.add(k.substring(Component.UNET.ldmPrefix().length()));
            if (k.startsWith(Component.VAE.ldmPrefix())) vae.add(k.substring(Component.VAE.ldmPrefix().length()));
        }
        if (unet.isEmpty() && vae.isEmpty()) {
            throw new CheckpointException(file.path() + ": not a single-file Stable Diffusion checkpoint (no model.diffusion_model.* or first_stage_model.* keys)");
        }
        this.layout = LdmLayout.fromLdm(unet, vae);
        for (Component c : Component.values()) diffusersToLdm.put(c, new LinkedHashMap<>());
        List<String> unknown = new ArrayList<>();
        for (String k : file.names()) {
            if (NameMapping.isIgnoredLdmKey(k)) {
                ignored.add(k);
                continue;
            }
            try {
                NameMapping.Named named = NameMapping.fromLdm(k, layout);
                diffusersToLdm.get(named.component()).put(named.key(), k);
            } catch (IllegalArgumentException e) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new CheckpointException(file.path() + ": " + unknown.size() + " keys have no diffusers name, e.g. "
                    + unknown.subList(0, Math.min(5, unknown.size())));
        }
    }

    public static SingleFileCheckpoint open(Path path) {
        return of(TensorFiles.open(path));
    }

    /** The checkpoint of a tensor file already open (its header or pickle read once); closes it on a failure. */
    public static SingleFileCheckpoint of(SafetensorsFile f) {
        try {
            return new SingleFileCheckpoint(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** True when the file's keys look like a single-file SD checkpoint. */
    public static boolean looksLikeSingleFile(SafetensorsFile f) {
        return f.names().stream().anyMatch(k -> k.startsWith(Component.UNET.ldmPrefix()) || k.startsWith(Component.VAE.ldmPrefix()));
    }

    public LdmLayout layout() {
        return layout;
    }

    public List<String> ignoredKeys() {
        return List.copyOf(ignored);
    }

    public SafetensorsFile file() {
        return file;
    }

    public boolean has(Component c) {
        return !diffusersToLdm.get(c).isEmpty();
    }

    /** The component's weights under diffusers names (closing it does not close the checkpoint). */
    public WeightSource component(Component c) {
        Map<String, String> names = diffusersToLdm.get(c);
        if (names.isEmpty()) throw new CheckpointException(file.path() + ": no " + c.folder() + " weights in this checkpoint");
        return new WeightSource() {
            @Override
            public String description() {
                return file.path() + " [" + c.folder() + "]";
            }

            @Override
            public Set<String> keys() {
                return names.keySet();
            }

            @Override
            public long[] shape(String key) {
                long[] stored = file.info(ldm(key)).shape();
                if (c != Component.VAE || !key.contains("mid_block.attentions.")) return stored;
                // 1x1 conv [C, C, 1, 1] → linear [C, C]; a bias stored as [C, 1, 1] → [C].
                return NameMapping.squeezeTrailingOnes(stored, NameMapping.isVaeAttentionProjection(key) ? 2 : 1);
            }

            @Override
            public INDArray read(String key, DataType type) {
                INDArray a = file.read(ldm(key), type);
                long[] s = shape(key);
                return java.util.Arrays.equals(a.shape(), s) ? a : a.reshape('c', s);
            }

            @Override
            public String storedDtype(String key) {
                return file.info(ldm(key)).dtype().name();
            }

            private String ldm(String key) {
                String k = names.get(key);
                if (k == null) throw new CheckpointException(description() + ": no weight '" + key + "'");
                return k;
            }

            @Override
            public void close() {
                // owned by the checkpoint
            }
        };
    }

    @Override
    public void close() {
        file.close();
    }
}
