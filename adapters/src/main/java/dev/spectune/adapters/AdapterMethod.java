/*
 * AdapterMethod: everything spectune knows about one adapter method, in one place — its name, the
 * peft_type it is stored under, its own settings record, how it reads those settings from the
 * command line, the graph builder, the parameter count its paper states, the options it writes to
 * and reads from peft's adapter_config.json, and the configurations the contract test runs. Each
 * method's file holds its entry; AdapterMethods lists them, and everything that iterates methods
 * (the CLI, the contract, formula and round-trip tests, training end to end, the adapter folder
 * reader and writer) iterates that list.
 */
package dev.spectune.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

public interface AdapterMethod<C extends Record> {

    /** What a builder may draw on: the seed of random initialisations, a saved adapter's tensors, the SVDs. */
    record Context(long seed, Map<String, INDArray> stored, Decompositions svds) {
        public Context {
            stored = Map.copyOf(stored);
        }
    }

    /** The name on the command line and in adapter folders ("lora", "soda-svd"). */
    String name();

    /** peft's peft_type for the method, or spectune's own ("SPECTUNE_…") where peft has none. */
    String peftType();

    /** The method's settings record (what adapter_config.json's "spectune" block stores under "config"). */
    Class<C> configType();

    /** The settings from the command line's flags (each method reads the flags that concern it). */
    C configure(AdapterFlags flags);

    /** The builder the injector calls for each selected weight W0 [out, in]. */
    AdapterInjector.Method builder(C config, Context context);

    /** Trainable parameters on one weight [out, in] under {@code key}, as the method's paper counts them. */
    long parameters(C config, String key, long out, long in);

    /**
     * Memory the method holds beyond its parameters, per byte of the weights it adapts: the
     * decompositions it keeps (U and V: about 2 for SVD-based methods) and the adapted weight it
     * forms each step (about 1), against LoRA's 0. A memory estimate's term (MemoryEstimate).
     */
    default double stateBytesPerWeightByte() {
        return 1;
    }

    /** peft's "r" for these settings (0 where peft takes a block size instead, as OFT's oft_block_size). */
    default int peftRank(C config) {
        return 0;
    }

    /** The method's own options in peft's adapter_config.json (beside peft_type, target_modules, r). */
    default void writePeft(C config, List<AdaptedWeight> layers, ObjectNode json) {}

    /**
     * The settings a peft adapter_config.json of this method's peft_type describes, or empty when it
     * describes another method of the same peft_type (LoRA and DoRA are both LORA).
     */
    default Optional<C> readPeft(String source, JsonNode json, Map<String, INDArray> tensors) {
        return Optional.empty();
    }

    /** Named settings the contract test builds on a Linear(24 → 16) (every method needs at least one). */
    Map<String, C> contractVariants();
}
