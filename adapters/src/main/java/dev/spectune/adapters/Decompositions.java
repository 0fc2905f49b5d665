/*
 * Decompositions: where the SVD-based methods (SODA-SVD, Spectral Adapter, SVDiff) get the SVD
 * of W0 — computed fresh by gesdd, or from a cache keyed by the weight's hash (the training module's
 * WeightSvdCache), so a second run on the same weights does not decompose them again.
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Svd;
import org.nd4j.linalg.api.ndarray.INDArray;

@FunctionalInterface
public interface Decompositions {

    /** The thin SVD of W0 [out, in] under checkpoint key {@code key}, in W0's precision. */
    Svd svd(String key, INDArray w0);

    /** gesdd every time. */
    Decompositions FRESH = (key, w0) -> Svd.of(w0);
}
