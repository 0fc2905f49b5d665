/*
 * WorldData: the pretraining data stream — random captioned scenes of the procedural world
 * (WorldRenderer.randomScene without the held-out colour–shape pairs), rendered and scaled to
 * [−1, 1] as diffusers' training scripts normalise images, with captions dropped to "" at a rate
 * (classifier-free guidance's unconditional training, Ho & Salimans 2022, §3.2). A batch is a
 * function of the generator it is given: the trainers seed one per step.
 */
package dev.spectune.pretrain;

import dev.spectune.world.Caption;
import dev.spectune.world.HeldOut;
import dev.spectune.world.Scene;
import dev.spectune.world.WorldRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class WorldData {
    private WorldData() {}

    /** Each optional attribute (size, position, background) is named in a caption with this probability. */
    public static final double NAME_PROBABILITY = 0.5;

    /** Images [B, 3, side, side] in [−1, 1] and their captions ("" where dropped). */
    public record Batch(INDArray images, List<String> captions) {}

    public static Batch draw(Random random, int batch, int side, double captionDropout) {
        float[] pixels = new float[batch * 3 * side * side];
        List<String> captions = new ArrayList<>();
        int plane = side * side;
        for (int b = 0; b < batch; b++) {
            Scene scene = WorldRenderer.randomScene(random, NAME_PROBABILITY, HeldOut.PAIRS);
            int[] rgb = WorldRenderer.render(scene, side, random).rgb();
            for (int i = 0; i < plane; i++) {
                int base = b * 3 * plane + i;
                pixels[base] = ((rgb[i] >> 16) & 0xFF) / 127.5f - 1f;
                pixels[base + plane] = ((rgb[i] >> 8) & 0xFF) / 127.5f - 1f;
                pixels[base + 2 * plane] = (rgb[i] & 0xFF) / 127.5f - 1f;
            }
            captions.add(random.nextDouble() < captionDropout ? "" : Caption.of(scene));
        }
        return new Batch(Nd4j.createFromArray(pixels).reshape(batch, 3, side, side), captions);
    }
}
