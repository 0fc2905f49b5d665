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
            TokenizerParity::run, "tokenizer_golden.safetensors", new Certified("golden/tokenizer", 516)),
    TEXT_ENCODER("text-encoder", "CLIPTextModel vs transformers (float32 and float64).",
            TextEncoderParity::run, "io.safetensors", new Certified("golden/text_encoder_tiny", 8)),
    UNET("unet", "UNet2DConditionModel vs diffusers, activations included.",
            UNetParity::run, "io.safetensors", new Certified("golden/unet_tiny", 17), new Certified("golden/unet_sd_topology", 21)),
    VAE("vae", "AutoencoderKL encode/decode vs diffusers.",
            VaeParity::run, "io.safetensors", new Certified("golden/vae_tiny", 16)),
    TAESD("taesd", "TAESD-family tiny autoencoder vs the reference (real weights), PSNR included.",
            TaesdParity::run, "io.safetensors", new Certified("golden/taef2_real", 8)),
    LDM("ldm", "A single-file checkpoint (configs detected from shapes): UNet and VAE vs diffusers.",
            LdmParity::run, "io.safetensors", new Certified("golden/ldm_single_file_tiny", 4)),
    SCHEDULERS("schedulers", "DDPM, DDIM, PNDM, Euler, DPM++ 2M vs diffusers (tables, steps, loops; timesteps read from the file).",
            SchedulerParity::run, "schedulers.safetensors", new Certified("golden/schedulers", 139)),
    PIPELINE("pipeline", "The text-to-image pipeline vs diffusers, step by step.",
            PipelineParity::run, "io.safetensors", new Certified("golden/pipeline_tiny", 9)),
    OPTIM("optim", "Stiefel SGD/Adam trajectories and SODA's training loop vs the reference code.",
            OptimParity::run, "stiefel_optimizers.safetensors", new Certified("golden/soda", 1508)),
    SODA("soda", "SODA-SVD and SODA-QR layers vs the SODA authors' code (outputs, weights, gradients).",
            SodaParity::run, "soda_svd_linear.safetensors", new Certified("golden/soda", 68)),
    SPECTRAL("spectral", "Spectral Adapter additive and rotational layers vs the authors' code.",
            SpectralParity::run, "spectral_additive.safetensors", new Certified("golden/spectral", 10)),
    PEFT("peft", "peft's adapters (LoRA … BOFT) read through spectune's adapter reader vs peft 0.13 (golden/peft) and 0.17 (golden/peft_v0.17).",
            PeftParity::run, "lora.safetensors", new Certified("golden/peft", 152), new Certified("golden/peft_v0.17", 152)),
    LORA_UNET("lora-unet", "diffusers' LoRA file merged into the tiny UNet as `sample` merges it vs diffusers' output.",
            LoraUnetParity::run, "io.safetensors", new Certified("golden/lora_unet_tiny", 98)),
    PREPROCESS("preprocess", "CLIP's and DINO's image processors (decode, Pillow resize, crop, rescale, normalise) vs transformers, exactly.",
            PreprocessParity::run, "io.safetensors", new Certified("golden/eval/preprocess_clip_vit_large_patch14", 5),
            new Certified("golden/eval/preprocess_dino_vits16", 5)),
    CLIP("clip", "CLIP-I and CLIP-T: the image processor, tokenizer, both CLIP towers and projections (float32 and float64) and the scores vs transformers.",
            ClipParity::run, "io.safetensors", new Certified("golden/eval/clip_tiny", 75)),
    DINO("dino", "The DINO metric: ViT image processor, ViTModel (float32 and float64, position interpolation) and the DINO scores vs transformers.",
            DinoParity::run, "io.safetensors", new Certified("golden/eval/dino_vit_tiny", 67)),
    TRAIN_STEP("train-step", "The trainer's step (full fine-tuning): loss and every UNet and text-encoder gradient vs torch autograd.",
            TrainStepParity::run, "io.safetensors", new Certified("golden/train_step_tiny", 249));

    /** A shared golden folder (relative to the fixtures root) and the counted lines its run gives. */
    public record Certified(String folder, int lines) {}

    private final String id;
    private final String description;
    private final Function<Path, ParityReport> runner;
    private final String probe;
    private final List<Certified> certified;

    ParityKind(String id, String description, Function<Path, ParityReport> runner, String probe, Certified... certified) {
        this.id = id;
        this.description = description;
        this.runner = runner;
        this.probe = probe;
        this.certified = List.of(certified);
    }

    /** A golden file of the folder that this kind's runner must account for in full (the hostile-input test adds a tensor to it). */
    public String probe() {
        return probe;
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
}
