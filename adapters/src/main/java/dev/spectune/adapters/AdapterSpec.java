/*
 * AdapterSpec: everything that defines an adapter apart from its trained values — the method, its
 * own settings record (AdapterMethod.configType) and the seed of random initialisations —
 * validated, and able to build the method for the injector and count its parameters. It is what
 * adapter_config.json records, so a saved adapter can be rebuilt on any graph of the same model.
 */
package dev.spectune.adapters;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdapterSpec(String method, Record config, long seed) {

    /** The registered method names, in registry order. */
    public static final List<String> METHODS = AdapterMethods.names();

    public AdapterSpec {
        AdapterMethod<?> entry = AdapterMethods.byName(method);
        if (config == null || !entry.configType().isInstance(config)) {
            throw new IllegalArgumentException(method + " takes " + entry.configType().getSimpleName() + " settings, got "
                    + (config == null ? "none" : config.getClass().getSimpleName()));
        }
    }

    /** The method's settings from the command line's flags. */
    public static AdapterSpec of(String method, AdapterFlags flags, long seed) {
        return new AdapterSpec(method, AdapterMethods.byName(method).configure(flags), seed);
    }

    /** The method with every flag at its default, seed 0. */
    public static AdapterSpec defaults(String method) {
        return of(method, AdapterFlags.defaults(), 0);
    }

    public AdapterMethod<?> entry() {
        return AdapterMethods.byName(method);
    }

    /** The builder the injector calls for each selected weight W0 [out, in]. */
    public AdapterInjector.Method builder() {
        return builder(Map.of());
    }

    /**
     * As {@link #builder()}, reusing tensors read from an adapter file (VeRA's vera_A/vera_B, LiDB's
     * per-layer auxiliary matrices, BOFT's block shapes) instead of drawing or choosing them.
     */
    public AdapterInjector.Method builder(Map<String, INDArray> stored) {
        return builder(stored, Decompositions.FRESH);
    }

    /** As {@link #builder(Map)}, taking the SVDs of the spectral methods from {@code svds}. */
    public AdapterInjector.Method builder(Map<String, INDArray> stored, Decompositions svds) {
        return builder(entry(), new AdapterMethod.Context(seed, stored, svds));
    }

    private <C extends Record> AdapterInjector.Method builder(AdapterMethod<C> m, AdapterMethod.Context context) {
        return m.builder(m.configType().cast(config), context);
    }

    /** Trainable parameters on one weight [out, in] (the key tells IA3's feed-forward layers apart), as the method's paper counts them. */
    public long parameters(String key, long out, long in) {
        return parameters(entry(), key, out, in);
    }

    private <C extends Record> long parameters(AdapterMethod<C> m, String key, long out, long in) {
        return m.parameters(m.configType().cast(config), key, out, in);
    }

    /** peft's "r" for these settings. */
    public int peftRank() {
        return peftRank(entry());
    }

    private <C extends Record> int peftRank(AdapterMethod<C> m) {
        return m.peftRank(m.configType().cast(config));
    }

    /** The method's options in peft's adapter_config.json. */
    public void writePeft(List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
        writePeft(entry(), layers, json);
    }

    private <C extends Record> void writePeft(AdapterMethod<C> m, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
        m.writePeft(m.configType().cast(config), layers, json);
    }
}
