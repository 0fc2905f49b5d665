/*
 * TrainingMemory: a training run's memory estimate (dev.spectune.model.MemoryEstimate), checked
 * before the images are read or the model loads: a run that cannot fit is refused with the
 * estimate, a resolution that fits, and --gradient-checkpointing when that alone would make it fit.
 * The adapter's state is the method's own figure (AdapterMethod.stateBytesPerWeightByte) times the
 * bytes of the weights its targets select, read from the UNet's and text encoder's headers.
 */
package dev.spectune.training;

import dev.spectune.adapters.AdapterMethods;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.checkpoint.WeightSource;
import dev.spectune.model.MemoryEstimate;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.runtime.ProcessMemory;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

public final class TrainingMemory {
    private TrainingMemory() {}

    /** The estimate at the configured resolution; throws MemoryEstimate.NotEnoughMemory when it exceeds what this process can have. */
    public static MemoryEstimate check(TrainingConfig c) {
        try (StableDiffusionPipeline pipe = StableDiffusionPipeline.open(c.model(), null)) {
            IntFunction<MemoryEstimate> plain = estimates(pipe, c, c.gradientCheckpointing());
            MemoryEstimate e = plain.apply(c.resolution());
            long limit = ProcessMemory.limit();
            String hint = "";
            if (!c.gradientCheckpointing()) {
                MemoryEstimate checkpointed = estimates(pipe, c, true).apply(c.resolution());
                if (checkpointed.total() <= limit) hint = "add --gradient-checkpointing (" + checkpointed.describe() + ")";
            }
            e.check(limit, plain, c.resolution(), 64, "--resolution", hint);
            return e;
        }
    }

    static IntFunction<MemoryEstimate> estimates(StableDiffusionPipeline pipe, TrainingConfig c, boolean checkpointing) {
        long weights = pipe.weightBytes(), resident = ProcessMemory.resident();
        long unet = 4 * pipe.component("unet").parameterCount();
        double perByte = AdapterMethods.byName(c.adapter().method()).stateBytesPerWeightByte();
        long adapted = selectedBytes(pipe.component("unet"), c.targets());
        if (c.trainsTextEncoder()) adapted += selectedBytes(pipe.component("text_encoder"), c.textTargets());
        long state = (long) (perByte * adapted);
        int batch = c.batchSize() * (c.classImages() != null ? 2 : 1);                  // prior preservation: class examples beside the instance ones
        return side -> MemoryEstimate.training(resident, pipe.unetConfig(), pipe.vaeConfig(), weights, unet, state, side, batch, checkpointing);
    }

    /** Float32 bytes of the weights AdapterInjector would adapt under the targets regex. */
    static long selectedBytes(WeightSource w, String targets) {
        if (targets == null) return 0;
        Pattern p = Pattern.compile(targets);
        long n = 0;
        for (String key : w.keys()) {
            long[] shape = w.shape(key);
            if (AdapterInjector.selects(p, key, shape.length)) {
                long e = 1;
                for (long d : shape) e *= d;
                n += e;
            }
        }
        return 4 * n;
    }
}
