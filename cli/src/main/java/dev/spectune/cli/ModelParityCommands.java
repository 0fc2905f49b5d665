/*
 * ModelParityCommands: `spectune parity text-encoder|unet|vae|taesd|ldm <golden-folder>` — run
 * a network on a golden folder's inputs and print one line per compared tensor (every stored
 * activation included) and the summary; exit 0 only when all are within tolerance.
 */
package dev.spectune.cli;

import dev.spectune.model.parity.LdmParity;
import dev.spectune.model.parity.ParityReport;
import dev.spectune.model.parity.TaesdParity;
import dev.spectune.model.parity.TextEncoderParity;
import dev.spectune.model.parity.UNetParity;
import dev.spectune.model.parity.VaeParity;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

final class ModelParityCommands {
    private ModelParityCommands() {}

    abstract static class Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FOLDER", description = "A golden folder (config.json, weights, io.safetensors).")
        Path folder;

        abstract Function<Path, ParityReport> runner();

        @Override
        public Integer call() {
            dev.spectune.runtime.Nd4jRuntime.init();
            ParityReport report = runner().apply(folder);
            System.out.print(report.render());
            return report.allPass() ? 0 : 1;
        }
    }

    @Command(name = "text-encoder", mixinStandardHelpOptions = true, description = "CLIPTextModel vs transformers (float32 and float64).")
    static final class TextEncoder extends Base {
        Function<Path, ParityReport> runner() { return TextEncoderParity::run; }
    }

    @Command(name = "unet", mixinStandardHelpOptions = true, description = "UNet2DConditionModel vs diffusers, activations included.")
    static final class UNet extends Base {
        Function<Path, ParityReport> runner() { return UNetParity::run; }
    }

    @Command(name = "vae", mixinStandardHelpOptions = true, description = "AutoencoderKL encode/decode vs diffusers.")
    static final class Vae extends Base {
        Function<Path, ParityReport> runner() { return VaeParity::run; }
    }

    @Command(name = "taesd", mixinStandardHelpOptions = true, description = "TAESD-family tiny autoencoder vs the reference (real weights), PSNR included.")
    static final class Taesd extends Base {
        Function<Path, ParityReport> runner() { return TaesdParity::run; }
    }

    @Command(name = "ldm", mixinStandardHelpOptions = true, description = "A single-file checkpoint (configs detected from shapes): UNet and VAE vs diffusers.")
    static final class Ldm extends Base {
        Function<Path, ParityReport> runner() { return LdmParity::run; }
    }
}
