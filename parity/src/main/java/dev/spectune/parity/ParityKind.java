/*
 * ParityKind: the one parity table. Each kind is a runner that compares spectune's production code
 * with tensors the upstream implementation dumped, its command-line description, and the shared
 * golden folders it is certified on with the exact number of counted lines each gives (what the
 * parameterized ParityTableTest asserts, and where a changed runner or golden folder shows first).
 * The CLI's `spectune parity <kind>` subcommands are made from this table; adding a kind touches
 * this table and the runner's own file.
 */
package dev.spectune.parity;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

public enum ParityKind {
    TOKENIZER("tokenizer", "Token ids, BPE tokens and decoding vs transformers' CLIPTokenizer and openai's (full and tiny vocabularies).",
            TokenizerParity::run, new Certified("golden/tokenizer", 0)),
    TEXT_ENCODER("text-encoder", "CLIPTextModel vs transformers (float32 and float64).",
            TextEncoderParity::run, new Certified("golden/text_encoder_tiny", 0)),
    UNET("unet", "UNet2DConditionModel vs diffusers, activations included.",
            UNetParity::run, new Certified("golden/unet_tiny", 0), new Certified("golden/unet_sd_topology", 0)),
    VAE("vae", "AutoencoderKL encode/decode vs diffusers.",
            VaeParity::run, new Certified("golden/vae_tiny", 0)),
    TAESD("taesd", "TAESD-family tiny autoencoder vs the reference (real weights), PSNR included.",
            TaesdParity::run, new Certified("golden/taef2_real", 0)),
    LDM("ldm", "A single-file checkpoint (configs detected from shapes): UNet and VAE vs diffusers.",
            LdmParity::run, new Certified("golden/ldm_single_file_tiny", 0)),
    SCHEDULERS("schedulers", "DDPM, DDIM, PNDM, Euler, DPM++ 2M vs diffusers (tables, steps, loops; timesteps read from the file).",
            SchedulerParity::run, new Certified("golden/schedulers", 0)),
    PIPELINE("pipeline", "The text-to-image pipeline vs diffusers, step by step.",
            PipelineParity::run, new Certified("golden/pipeline_tiny", 0)),
    OPTIM("optim", "Stiefel SGD/Adam trajectories and SODA's training loop vs the reference code.",
            OptimParity::run, new Certified("golden/soda", 0)),
    SODA("soda", "SODA-SVD and SODA-QR layers vs the SODA authors' code (outputs, weights, gradients).",
            SodaParity::run, new Certified("golden/soda", 0)),
    SPECTRAL("spectral", "Spectral Adapter additive and rotational layers vs the authors' code.",
            SpectralParity::run, new Certified("golden/spectral", 0)),
    PEFT("peft", "peft's adapters (LoRA … BOFT) read through spectune's adapter reader vs peft 0.13 (golden/peft) and 0.17 (golden/peft_v0.17).",
            PeftParity::run, new Certified("golden/peft", 0), new Certified("golden/peft_v0.17", 0)),
    LORA_UNET("lora-unet", "diffusers' LoRA file merged into the tiny UNet as `sample` merges it vs diffusers' output.",
            LoraUnetParity::run, new Certified("golden/lora_unet_tiny", 0)),
    TRAIN_STEP("train-step", "The trainer's step (full fine-tuning): loss and every UNet and text-encoder gradient vs torch autograd.",
            TrainStepParity::run, new Certified("golden/train_step_tiny", 0));

    /** A shared golden folder (relative to the fixtures root) and the counted lines its run gives. */
    public record Certified(String folder, int lines) {}

    private final String id;
    private final String description;
    private final Function<Path, ParityReport> runner;
    private final List<Certified> certified;

    ParityKind(String id, String description, Function<Path, ParityReport> runner, Certified... certified) {
        this.id = id;
        this.description = description;
        this.runner = runner;
        this.certified = List.of(certified);
    }

    /** The name on the command line: `spectune parity <id> FOLDER`. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public List<Certified> certified() {
        return certified;
    }

    public ParityReport run(Path folder) {
        return runner.apply(folder);
    }

    public static ParityKind byId(String id) {
        for (ParityKind k : values()) if (k.id.equals(id)) return k;
        throw new IllegalArgumentException("no parity kind '" + id + "'");
    }
}
