/*
 * RandomPipelineCommand: `spectune random-pipeline` — a diffusers pipeline folder with a real
 * model's configs and seeded random weights (RandomPipeline), for benches and runs at real scale
 * without downloading weights, e.g. SD-1.5's shape from ../shared/artifacts/sd15-config.
 */
package dev.spectune.cli;

import dev.spectune.model.RandomPipeline;
import dev.spectune.runtime.Nd4jRuntime;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "random-pipeline", mixinStandardHelpOptions = true,
        description = "Writes a pipeline folder with the configs of --config (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/) and seeded random weights.")
public final class RandomPipelineCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "A pipeline folder's configs, e.g. ../shared/artifacts/sd15-config.") Path config;
    @Option(names = "--out", required = true, description = "The new pipeline folder (must not exist, or be empty).") Path out;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights (default ${DEFAULT-VALUE}).") long seed;

    @Override
    public Integer call() throws Exception {
        Nd4jRuntime.init();
        long start = System.nanoTime();
        RandomPipeline.write(config, out, seed);
        System.out.printf("random-pipeline: wrote %s (configs of %s, seed %d) in %.1f s%n", out, config, seed, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
