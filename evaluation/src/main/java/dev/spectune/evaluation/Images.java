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

    static INDArray batch(ImageProcessor processor, List<ImageProcessor.Rgb> images) {
        INDArray[] rows = new INDArray[images.size()];
        for (int i = 0; i < rows.length; i++) {
            ImageProcessor.Rgb r = processor.resizeAndCrop(images.get(i));
            rows[i] = Nd4j.createFromArray(processor.pixelValues(r)).reshape(1, 3, r.height(), r.width());
        }
        return Nd4j.concat(0, rows);                                                                    // [N, 3, H, W]
    }
}
