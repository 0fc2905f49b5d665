/*
 * DinoScore: the DreamBooth paper's DINO metric (Ruiz et al. 2023, section 4.1) from CLS
 * embeddings: unit vectors n = cls/‖cls‖₂ (no epsilon), cosines n·nᵀ, DINO = the mean over every
 * (generated, real) pair, and the real-real reference = the mean over ordered pairs of distinct
 * real images.
 */
package dev.spectune.evaluation;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

public record DinoScore(INDArray normalized, INDArray cosines, INDArray generatedVsReal, double dino, double realVsReal) {

    /**
     * @param cls       [B, D] CLS embeddings
     * @param generated rows of the generated images
     * @param real      rows of the real (reference) images
     */
    public static DinoScore of(INDArray cls, long[] generated, long[] real) {
        INDArray n = ClipScore.unit(cls);                                                               // [B, D]
        INDArray cos = n.mmul(n.transpose());                                                           // [B, B]
        INDArray gr = cos.get(NDArrayIndex.indices(generated), NDArrayIndex.indices(real));           // [G, R]
        double sum = 0;
        int pairs = 0;
        for (long a : real) {
            for (long b : real) {
                if (a == b) continue;
                sum += cos.getDouble(a, b);
                pairs++;
            }
        }
        return new DinoScore(n, cos, gr, gr.meanNumber().doubleValue(), pairs == 0 ? Double.NaN : sum / pairs);
    }

}
