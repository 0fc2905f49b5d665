/*
 * Images: decoded images through an image processor into one model input batch [N, 3, H, W].
 */
package dev.spectune.evaluation;

import dev.spectune.model.image.ImageProcessor;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

final class Images {
    private Images() {}

    /** {@code model} applied to BATCH images at a time, its rows concatenated: [N, *]. */
    static INDArray inBatches(List<ImageProcessor.Rgb> images, java.util.function.Function<List<ImageProcessor.Rgb>, INDArray> model) {
        List<INDArray> out = new java.util.ArrayList<>();
        for (int from = 0; from < images.size(); from += BATCH) out.add(model.apply(images.subList(from, Math.min(images.size(), from + BATCH))));
        return Nd4j.concat(0, out.toArray(INDArray[]::new));
    }

    /** Images per model run: one graph per batch size, so at most two graphs per call. */
    static final int BATCH = 8;

    static INDArray batch(ImageProcessor processor, List<ImageProcessor.Rgb> images) {
        INDArray[] rows = new INDArray[images.size()];
        for (int i = 0; i < rows.length; i++) {
            ImageProcessor.Rgb r = processor.resizeAndCrop(images.get(i));
            rows[i] = Nd4j.createFromArray(processor.pixelValues(r)).reshape(1, 3, r.height(), r.width());
        }
        return Nd4j.concat(0, rows);                                                                    // [N, 3, H, W]
    }
}
