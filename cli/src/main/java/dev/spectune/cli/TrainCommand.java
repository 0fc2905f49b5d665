/*
 * TrainCommand: `spectune train --model DIR --images DIR --prompt "a photo of sks dog" --method …
 * --targets PATTERN --steps N --lr … --out DIR` — DreamBooth-style personalisation with an adapter.
 */
package dev.spectune.cli;

import java.util.List;
import dev.spectune.adapters.AdapterInjector;
import dev.spectune.adapters.AdapterFlags;
import dev.spectune.adapters.AdapterSpec;
import dev.spectune.adapters.KroneckerFactorPlanner;
import dev.spectune.adapters.Oft;
import dev.spectune.adapters.RotationSide;
import dev.spectune.runtime.Nd4jRuntime;
import dev.spectune.training.TrainingConfig;
import dev.spectune.training.TrainingRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Teach a model a subject from a few images with an adapter.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "A diffusers pipeline folder.") Path model;
    @Option(names = "--images", required = true, description = "Folder of subject images (.jpg/.png; optional .txt captions).") Path images;
    @Option(names = "--prompt", required = true, description = "Instance prompt, e.g. \"a photo of sks dog\".") String prompt;
    @Option(names = "--method", defaultValue = "soda-svd", description = "${COMPLETION-CANDIDATES}", completionCandidates = Methods.class) String method;
    @Option(names = "--targets", description = "Regex of weight keys to adapt (default: UNet attention projections).") String targets;
    @Option(names = "--steps", defaultValue = "400") int steps;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate of Euclidean parameters (AdamW).") double lr;
    @Option(names = "--stiefel-lr", defaultValue = "5e-3", description = "Learning rate of Stiefel factors (StiefelAdam).") double stiefelLr;
    @Option(names = "--rank", description = "Rank of LoRA, DoRA, LoHa, VeRA, the Spectral Adapter and LiDB; OFT's and BOFT's block count; HRA's reflections"
            + " (default 4; LiDB 1, as in its paper).") Integer rankOption;
    @Option(names = "--alpha", description = "LoRA alpha (default: the rank).") Double alpha;
    @Option(names = "--rslora") boolean rsLora;
    @Option(names = "--column-block", defaultValue = "0", description = "Spectral Adapter column block (0 = top r).") int columnBlock;
    @Option(names = "--spectral-columns", description = "Spectral Adapter columns: top, bottom, block:i or a list 0,5,9,12 (overrides --column-block).") String spectralColumns;
    @Option(names = "--spectral-stiefel", description = "Spectral R: rotations as Stiefel parameters (Stiefel Adam) instead of Cayley transforms.") boolean spectralStiefel;
    @Option(names = "--soda-init-delta", defaultValue = "0", description = "SODA δ0 (0: identity; the authors' code used 1e-3).") double initDelta;
    @Option(names = "--soda-no-relu") boolean noRelu;
    @Option(names = "--soda-side", defaultValue = "INPUT", description = "Rotation side: ${COMPLETION-CANDIDATES}") RotationSide side;
    @Option(names = "--soda-factors", defaultValue = "3", description = "Kronecker factors per rotation.") int factors;
    @Option(names = "--oft-block-size", defaultValue = "0", description = "OFT and BOFT block size (peft's oft_block_size, boft_block_size; 0: --rank blocks).") int oftBlockSize;
    @Option(names = "--boft-butterfly-factors", defaultValue = "1", description = "BOFT butterfly factors (peft's boft_n_butterfly_factor; 1: block-diagonal OFT).") int boftFactors;
    @Option(names = "--oft-layout", defaultValue = "PEFT_0_17", description = "OFT layout: ${COMPLETION-CANDIDATES}") Oft.Layout oftLayout;
    @Option(names = "--oft-neumann-terms", defaultValue = "5", description = "OFT Cayley–Neumann terms (0: exact Cayley; default ${DEFAULT-VALUE}).") int neumannTerms;
    @Option(names = "--coft-eps", defaultValue = "0", description = "Constrained OFT radius ε (peft's eps, e.g. 6e-5; 0: plain OFT).") double coftEps;
    @Option(names = "--oft-block-share", description = "One OFT block shared by all blocks.") boolean blockShare;
    @Option(names = "--vera-d-initial", defaultValue = "0.1", description = "VeRA's initial λ_d (default ${DEFAULT-VALUE}).") double veraDInitial;
    @Option(names = "--ia3-feedforward", description = "IA3: regex of the feed-forward weight keys (their input is scaled; others' output and bias).") String ia3Feedforward;
    @Option(names = "--lidb-a", defaultValue = "100", description = "LiDB A_aux width a (default ${DEFAULT-VALUE}).") int lidbA;
    @Option(names = "--lidb-b", defaultValue = "50", description = "LiDB B_aux height b (default ${DEFAULT-VALUE}).") int lidbB;
    @Option(names = "--batch-size", defaultValue = "1") int batchSize;
    @Option(names = "--resolution", defaultValue = "512") int resolution;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--lr-scheduler", defaultValue = "constant") String lrScheduler;
    @Option(names = "--lr-warmup-steps", defaultValue = "0") int warmup;
    @Option(names = "--max-grad-norm", defaultValue = "1.0") double maxGradNorm;
    @Option(names = "--random-flip") boolean randomFlip;
    @Option(names = "--validation-every", defaultValue = "0") int validationEvery;
    @Option(names = "--eval-every", defaultValue = "0", description = "Every N steps, sample the validation prompts and score them (CLIP-I, CLIP-T, DINO) into OUT/eval.csv; needs --eval-clip and --eval-dino.") int evalEvery;
    @Option(names = "--eval-clip", description = "A transformers CLIPModel folder for --eval-every.") Path evalClip;
    @Option(names = "--eval-dino", description = "A transformers ViTModel (DINO) folder for --eval-every.") Path evalDino;
    @Option(names = "--validation-prompt", description = "A validation prompt, sampled with seed 1 (repeat for several: one grid PNG; default: the instance prompt).")
    List<String> validationPrompts;
    @Option(names = "--out", required = true) Path out;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Write a resumable checkpoint every N steps under OUT/checkpoints (0: none).") int checkpointEvery;
    @Option(names = "--keep-checkpoints", defaultValue = "3", description = "Keep the newest K checkpoints (0: all; default ${DEFAULT-VALUE}).") int keepCheckpoints;
    @Option(names = "--snr-gamma", defaultValue = "0", description = "Min-SNR-γ loss weighting (Hang et al. 2023; 5 is usual; 0: off).") double snrGamma;
    @Option(names = "--offset-noise", defaultValue = "0", description = "Offset noise strength (e.g. 0.05; 0: off).") double offsetNoise;
    @Option(names = "--gradient-checkpointing", description = "Keep only the UNet's block outputs for backward and recompute the rest (less memory, ~30% more time, the same gradients).")
    boolean gradientCheckpointing;
    @Option(names = "--gradient-accumulation", defaultValue = "1", description = "Micro-batches per step (effective batch = batch size × N).") int gradientAccumulation;
    @Option(names = "--class-images", description = "Prior preservation: folder of class images (missing ones are generated with the base model and kept).") Path classImages;
    @Option(names = "--class-prompt", description = "Prior preservation: the class prompt, e.g. \"a photo of a dog\".") String classPrompt;
    @Option(names = "--num-class-images", defaultValue = "100", description = "Class images wanted (default ${DEFAULT-VALUE}).") int numClassImages;
    @Option(names = "--prior-loss-weight", defaultValue = "1.0", description = "λ of the prior-preservation loss (default ${DEFAULT-VALUE}).") double priorLossWeight;
    @Option(names = "--train-text-encoder", description = "Adapt and train the text encoder too (its attention projections, or --text-targets).") boolean trainTextEncoder;
    @Option(names = "--text-targets", description = "Regex of text-encoder weight keys to adapt (default: q_proj|k_proj|v_proj|out_proj).") String textTargets;
    @Option(names = "--latent-sample", description = "Draw each step's latents from the VAE posterior (mean + std·ε, as diffusers' scripts) instead of using its mean.") boolean latentSample;
    @Option(names = "--dco-beta", defaultValue = "0", description = "Direct Consistency Optimization β (the SODA authors' default is 1000; 0: plain MSE).") double dcoBeta;
    @Option(names = "--resume", description = "Continue from the newest checkpoint under OUT/checkpoints, bit-identically to an uninterrupted run.") boolean resume;
    @Option(names = "--overwrite", description = "Take an output folder that holds another run (other settings in its run.json); without it such a folder is refused.")
    boolean overwrite;

    static final class Methods implements Iterable<String> {
        public java.util.Iterator<String> iterator() {
            return AdapterSpec.METHODS.iterator();
        }
    }

    /** The run these options describe (a sweep computes run identities from it without training). */
    public TrainingConfig config() {
        AdapterFlags flags = new AdapterFlags(rankOption, alpha, rsLora, columnBlock, spectralColumns, spectralStiefel, initDelta, !noRelu, side, factors,
                oftBlockSize, oftLayout, neumannTerms, coftEps, blockShare, boftFactors, veraDInitial, ia3Feedforward, lidbA, lidbB);
        AdapterSpec spec = AdapterSpec.of(method, flags, seed);
        TrainingConfig c = new TrainingConfig(
                new TrainingConfig.Subject(model, images, prompt, resolution, randomFlip, latentSample),
                spec, targets != null ? targets : AdapterInjector.UNET_ATTENTION.pattern(),
                trainTextEncoder ? (textTargets != null ? textTargets : AdapterInjector.TEXT_ATTENTION.pattern()) : null,
                new TrainingConfig.Optimization(steps, lr, stiefelLr, lrScheduler, warmup, batchSize, gradientAccumulation, maxGradNorm, seed,
                        gradientCheckpointing),
                new TrainingConfig.Loss(snrGamma, offsetNoise, dcoBeta,
                        classImages == null ? null : new TrainingConfig.PriorPreservation(classImages, classPrompt, numClassImages, priorLossWeight)),
                new TrainingConfig.Outputs(out, validationEvery, validationPrompts != null && !validationPrompts.isEmpty() ? validationPrompts : List.of(prompt),
                        checkpointEvery, keepCheckpoints, resume, overwrite))
                .withEvaluation(new TrainingConfig.Evaluation(evalEvery, evalClip, evalDino));
        return c;
    }

    @Override
    public Integer call() throws Exception {
        Nd4jRuntime.init();
        TrainingConfig c = config();
        TrainingRun.Result r;
        if (System.console() != null) {                                  // a terminal: a progress bar with loss, it/s and ETA
            try (ProgressBar bar = new ProgressBar("training", steps)) {
                r = TrainingRun.run(c, System.out, l -> {
                    bar.stepTo(l.step() + 1);
                    bar.setExtraMessage(String.format(" loss %.4f", l.loss()));
                }, false);
            }
        } else {                                                         // a log file or pipe: plain lines
            r = TrainingRun.run(c, System.out);
        }
        System.out.printf("loss (mean over fixed timesteps and noise): %.5f before, %.5f after; adapter in %s%n", r.evalLossBefore(), r.evalLossAfter(), r.adapter());
        return 0;
    }
}
