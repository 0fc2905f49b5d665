/*
 * ClipScore: the DreamBooth paper's CLIP-I and CLIP-T (Ruiz et al. 2023, section 4.1) from CLIP
 * image and text features (get_image_features / get_text_features): unit vectors e/‖e‖₂ (no
 * epsilon); CLIP-I = the mean image-image cosine over every (generated, real) pair; CLIP-T = the
 * mean over generated images of the cosine with the prompt that made each; CLIPModel's logits =
 * exp(logit_scale)·cosines.
 */
package dev.spectune.evaluation;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

public record ClipScore(INDArray imageEmbeds, INDArray textEmbeds, INDArray cosImageImage, INDArray cosImageText, INDArray generatedVsReal,
                        INDArray clipTPerImage, double clipI, double clipT) {

    /**
     * @param imageFeatures [B, P]
     * @param textFeatures  [T, P]
     * @param generated     rows of the generated images; {@code prompts} the text row each was made from
     * @param real          rows of the real images
     */
    public static ClipScore of(INDArray imageFeatures, INDArray textFeatures, long[] generated, long[] real, long[] prompts) {
        INDArray img = unit(imageFeatures), txt = unit(textFeatures);
        INDArray ii = img.mmul(img.transpose()), it = img.mmul(txt.transpose());                      // [B, B], [B, T]
        INDArray gr = ii.get(NDArrayIndex.indices(generated), NDArrayIndex.indices(real));            // [G, R]
        double[] t = new double[generated.length];
        for (int g = 0; g < generated.length; g++) t[g] = it.getDouble(generated[g], prompts[g]);
        INDArray perImage = org.nd4j.linalg.factory.Nd4j.createFromArray(t).castTo(imageFeatures.dataType());     // [G]
        return new ClipScore(img, txt, ii, it, gr, perImage, gr.meanNumber().doubleValue(), perImage.meanNumber().doubleValue());
    }

    /** Rows divided by their L2 norms. */
    static INDArray unit(INDArray rows) {
        return rows.divColumnVector(rows.norm2(1).reshape(rows.size(0), 1));
    }
}
