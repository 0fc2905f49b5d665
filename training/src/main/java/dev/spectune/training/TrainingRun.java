/*
 * TrainingRun: a whole `spectune train` run — the trainer's steps with progress lines, then the
 * outputs in the run folder: adapter/ (adapter_config.json + adapter_model.safetensors), log.csv,
 * loss_curve.png, validation PNGs, and run.json with every setting and the base model's hash.
 */
package dev.spectune.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spectune.adapters.AdaptedWeight;
import dev.spectune.adapters.AdapterParameter;
import dev.spectune.model.pipeline.GenerationRequest;
import dev.spectune.model.pipeline.ModelHash;
import dev.spectune.model.pipeline.PngWriter;
import dev.spectune.model.pipeline.StableDiffusionPipeline;
import dev.spectune.model.pipeline.StepListener;
import dev.spectune.adapters.io.AdapterDirectory;
import dev.spectune.evaluation.ClipModel;
import dev.spectune.evaluation.DinoModel;
import dev.spectune.evaluation.DreamBoothEval;
import dev.spectune.model.image.ImageProcessor;
import dev.spectune.training.io.TrainingCheckpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

public final class TrainingRun {
    private TrainingRun() {}

    public record Result(List<DreamBoothTrainer.StepLog> log, double evalLossBefore, double evalLossAfter, long trainableParameters, Path adapter) {}

    static final int[] EVAL_TIMESTEPS = {100, 300, 500, 700, 900};

    /** Called after every completed step with its log line (a progress bar; tests use it to interrupt a run). */
    @FunctionalInterface
    public interface StepHook {
        void afterStep(DreamBoothTrainer.StepLog step);
    }

    public static Result run(TrainingConfig c, PrintStream out) throws IOException {
        return run(c, out, s -> { }, true);
    }

    public static Result run(TrainingConfig c, PrintStream out, StepHook hook) throws IOException {
        return run(c, out, hook, true);
    }

    /** @param stepLines print a line every tenth of the run (off when the hook draws a progress bar) */
    public static Result run(TrainingConfig c, PrintStream out, StepHook hook, boolean stepLines) throws IOException {
        List<DreamBoothTrainer.StepLog> log = new ArrayList<>();
        Path checkpoints = c.out().resolve("checkpoints");
        var decoded = dev.spectune.training.data.ImageFolder.read(c.images(), c.prompt());       // every image and caption checked first, all bad ones named
        var memory = TrainingMemory.check(c);                                                    // then a run that cannot fit is refused, before anything large is made
        var images = dev.spectune.training.data.ImageFolder.resize(decoded, c.resolution());
        List<ImageProcessor.Rgb> references = c.evaluation().every() > 0 ? decoded.stream().map(d -> ImageProcessor.of(d.image())).toList() : List.of();
        decoded = null;                                                                          // the full-size photos are not needed past here
        List<String> evalRows = new ArrayList<>();
        String hash = ModelHash.of(c.model());
        String fingerprint = c.fingerprint(hash);
        RunFolder folder = RunFolder.claim(c, hash);
        try (folder; DreamBoothTrainer trainer = new DreamBoothTrainer(c, images)) {
            writeRunJson(c, hash, null);                                                          // the folder's run, from its start
            out.println("memory: " + memory.what() + " needs " + memory.describe());
            out.printf("training %s on %d layers%s (%,d trainable parameters), %d steps%n", c.adapter().method(), trainer.adapted().size(),
                    c.trainsTextEncoder() ? " + " + trainer.textAdapted().size() + " text-encoder layers" : "", trainer.trainableParameters(), c.steps());
            var svds = trainer.svdCache();
            if (svds.hits() + svds.misses() > 0) {
                out.printf("initial SVDs: %d read from the cache, %d decomposed (cache %s)%n", svds.hits(), svds.misses(), svds.dir());
            }
            int first = 0;
            double before;
            Resumable checkpoint = c.resume() ? newestOfThisRun(checkpoints, fingerprint, out) : null;
            if (checkpoint != null) {
                Path latest = checkpoint.folder();
                TrainingCheckpoint.State state = checkpoint.state();
                trainer.restore(state);
                for (double[] row : state.log()) log.add(new DreamBoothTrainer.StepLog((int) row[0], row[1], row[2], row[3], row[4]));
                first = state.completedSteps();
                before = state.scalars().get("run/eval_loss_before");
                out.printf("resumed from %s after %d steps%n", latest, first);
            } else {
                if (c.resume()) out.println("no checkpoint of this run under " + checkpoints + ": starting from step 0");
                before = trainer.evaluationLoss(EVAL_TIMESTEPS, 7);
            }
            int every = Math.max(1, c.steps() / 10);
            try (Interruption interruption = Interruption.install()) {
                for (int s = first; s < c.steps(); s++) {
                    DreamBoothTrainer.StepLog l = trainer.step(s);
                    log.add(l);
                    if (stepLines && ((s + 1) % every == 0 || s == first)) {
                        out.printf("step %4d/%d  loss %.5f  lr %.2e  |g| %.3f  %.2f s/step%n", s + 1, c.steps(), l.loss(), l.learningRate(), l.gradNorm(), l.seconds());
                    }
                    if (c.validationEvery() > 0 && (s + 1) % c.validationEvery() == 0 && s + 1 < c.steps()) {
                        validate(trainer, c, hash, c.out().resolve(String.format("validation_step%05d.png", s + 1)));
                    }
                    if (c.evaluation().every() > 0 && (s + 1) % c.evaluation().every() == 0) {
                        evaluate(trainer, c, s + 1, references, evalRows, out);
                    }
                    Path written = null;
                    if (c.checkpointEvery() > 0 && (s + 1) % c.checkpointEvery() == 0 && s + 1 < c.steps()) {
                        written = writeCheckpoint(trainer, c, checkpoints, s + 1, log, fingerprint, before, hash);
                        out.println("checkpoint " + written + " written after step " + (s + 1));
                    }
                    hook.afterStep(l);
                    if (interruption.requested()) {                                                  // Ctrl-C: keep what this run has done (once)
                        if (written == null) written = writeCheckpoint(trainer, c, checkpoints, s + 1, log, fingerprint, before, hash);
                        out.println("interrupted after step " + (s + 1) + ": checkpoint " + written + "; continue with the same command and --resume");
                        out.flush();
                        interruption.handled();
                        throw new TrainingInterrupted(s + 1);
                    }
                }
            }
            double after = trainer.evaluationLoss(EVAL_TIMESTEPS, 7);
            Path adapterDir = c.out().resolve("adapter");
            saveAdapters(adapterDir, trainer, c, hash);
            LossCurve.writeCsv(c.out().resolve("log.csv"), log);
            LossCurve.writePng(c.out().resolve("loss_curve.png"), log, "spectune " + c.adapter().method() + ": " + c.prompt());
            validate(trainer, c, hash, c.out().resolve("validation_final.png"));
            double seconds = 0;
            for (DreamBoothTrainer.StepLog l : log) seconds += l.seconds();
            writeRunJson(c, hash, new Outcome(before, after, trainer.trainableParameters(), log.isEmpty() ? 0 : log.getLast().loss(),
                    log.isEmpty() ? 0 : 1000 * seconds / log.size(), dev.spectune.runtime.ProcessMemory.peak() / (double) (1L << 30)));
            return new Result(log, before, after, trainer.trainableParameters(), adapterDir);
        } catch (IOException | RuntimeException e) {
            try {
                folder.abandon();                                                                 // a folder this run made and wrote nothing into goes
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The run stopped at a signal after writing a checkpoint of {@code steps} completed steps. */
    public static final class TrainingInterrupted extends RuntimeException {
        TrainingInterrupted(int steps) {
            super("interrupted after step " + steps + "; a checkpoint holds the run so far");
        }
    }

    /** A checkpoint to resume from, read. */
    record Resumable(Path folder, TrainingCheckpoint.State state) {}

    /**
     * The newest checkpoint this run wrote (same settings fingerprint) that reads back whole: one
     * that does not read (a disk filled or a kill while writing it) is reported and the previous
     * taken; another run's are passed over.
     */
    static Resumable newestOfThisRun(Path checkpoints, String fingerprint, PrintStream out) throws IOException {
        for (Path p : TrainingCheckpoint.newestFirst(checkpoints)) {
            TrainingCheckpoint.State state;
            try {
                state = TrainingCheckpoint.read(p);
            } catch (IOException | RuntimeException e) {
                out.println("warning: " + p + " does not read back (" + e.getMessage() + "); trying the checkpoint before it");
                continue;
            }
            if (state.fingerprint().equals(fingerprint)) return new Resumable(p, state);
            out.println("skipping " + p + ": written by a run with other settings");
        }
        return null;
    }

    static Path writeCheckpoint(DreamBoothTrainer trainer, TrainingConfig c, Path checkpoints, int completed, List<DreamBoothTrainer.StepLog> log,
                                String fingerprint, double evalBefore, String hash) throws IOException {
        TrainingCheckpoint.State state = trainer.exportState(completed, log, fingerprint);
        state.scalars().put("run/eval_loss_before", evalBefore);
        return TrainingCheckpoint.write(checkpoints, state, dir -> saveAdapters(dir, trainer, c, hash), c.keepCheckpoints());
    }

    /** The UNet adapter in {@code dir}, and the text encoder's (when trained) in {@code dir}/text_encoder, as diffusers lays out pipelines. */
    static void saveAdapters(Path dir, DreamBoothTrainer trainer, TrainingConfig c, String hash) throws IOException {
        AdapterDirectory.save(dir, c.adapter(), c.targets(), hash, trainer.adapted());
        if (c.trainsTextEncoder()) AdapterDirectory.save(dir.resolve(AdapterDirectory.TEXT_ENCODER), c.adapter(), c.textTargets(), hash, trainer.textAdapted());
    }

    /**
     * Samples every validation prompt with the adapter as trained so far (fixed seed 1, DDIM 20
     * steps, guidance 5): one image, or with several prompts a grid of them in prompt order.
     */
    static void validate(DreamBoothTrainer trainer, TrainingConfig c, String modelHash, Path png) throws IOException {
        List<INDArray> images = sampleValidation(trainer, c);
        GenerationRequest r = validationRequest(c, c.validationPrompts().getLast());
        var picture = images.size() == 1 ? PngWriter.toImage(images.get(0).slice(0)) : PngWriter.grid(org.nd4j.linalg.factory.Nd4j.concat(0, images.toArray(INDArray[]::new)));
        String parameters = PngWriter.a1111Parameters(r, "DDIM", modelHash, c.model().getFileName().toString(), c.adapter().method());
        if (images.size() > 1) parameters = "grid of " + String.join(" | ", c.validationPrompts()) + "\n" + parameters;
        PngWriter.write(picture, parameters, png);
    }

    private static GenerationRequest validationRequest(TrainingConfig c, String prompt) {
        return GenerationRequest.of(prompt).withSteps(20).withGuidance(5.0).withSeed(1).withSize(c.resolution(), c.resolution());
    }

    /** One image [1, 3, H, W] per validation prompt from the adapter as trained so far (seed 1, 20 steps). */
    static List<INDArray> sampleValidation(DreamBoothTrainer trainer, TrainingConfig c) {
        trainer.releaseBuffers();                                                              // sampling's peak is its own, not added to training's
        StableDiffusionPipeline pipe = trainer.pipeline();
        pipe.setUNetHook(g -> copyInto(g, trainer.adapted(), c.targets(), c));
        if (c.trainsTextEncoder()) pipe.setTextEncoderHook(g -> copyInto(g, trainer.textAdapted(), c.textTargets(), c));
        List<INDArray> images = new ArrayList<>();
        for (String prompt : c.validationPrompts()) images.add(pipe.generate(validationRequest(c, prompt), StepListener.NONE).images());   // [1, 3, H, W]
        pipe.setUNetHook(g -> { });
        if (c.trainsTextEncoder()) pipe.setTextEncoderHook(g -> { });
        pipe.releaseBuffers();
        dev.spectune.runtime.Nd4jRuntime.collectGarbage();
        return images;
    }

    /**
     * `--eval-every`: the validation prompts sampled and scored against the instance images
     * (CLIP-I, CLIP-T with the prompts as given, DINO; evaluation.DreamBoothEval), one row of
     * OUT/eval.csv per evaluation.
     */
    static void evaluate(DreamBoothTrainer trainer, TrainingConfig c, int step, List<ImageProcessor.Rgb> references, List<String> rows, PrintStream out) throws IOException {
        List<INDArray> images = sampleValidation(trainer, c);
        List<DreamBoothEval.Generated> generated = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            generated.add(new DreamBoothEval.Generated("step" + step + "-" + i, ImageProcessor.of(PngWriter.toImage(images.get(i).slice(0))), c.validationPrompts().get(i)));
        }
        DreamBoothEval.Scores scores;
        try (ClipModel clip = ClipModel.open(c.evaluation().clip()); DinoModel dino = DinoModel.open(c.evaluation().dino())) {
            scores = DreamBoothEval.score(clip, dino, generated, references, null);
        }
        rows.add(String.format(java.util.Locale.ROOT, "%d,%.6f,%.6f,%.6f", step, scores.clipI(), scores.clipT(), scores.dino()));
        dev.spectune.checkpoint.safetensors.SafetensorsWriter.writeText(c.out().resolve("eval.csv"), "step,clip_i,clip_t,dino\n" + String.join("\n", rows) + "\n");
        out.printf(java.util.Locale.ROOT, "eval step %d: CLIP-I %.4f  CLIP-T %.4f  DINO %.4f%n", step, scores.clipI(), scores.clipT(), scores.dino());
        dev.spectune.runtime.Nd4jRuntime.collectGarbage();
    }

    /** Injects the run's adapter into a sampling graph and copies the trained values (and frozen buffers) over. */
    static void copyInto(dev.spectune.model.ModelGraph g, List<AdaptedWeight> trained, String targets, TrainingConfig c) {
        Map<String, INDArray> buffers = new java.util.HashMap<>();
        trained.forEach(a -> buffers.putAll(a.buffers()));
        List<AdaptedWeight> fresh = dev.spectune.adapters.AdapterInjector.inject(g.sd(), Pattern.compile(targets),
                c.adapter().builder(buffers, dev.spectune.adapters.io.WeightSvdCache.standard()));
        Map<String, INDArray> values = new java.util.HashMap<>();
        for (AdaptedWeight a : trained) for (AdapterParameter p : a.parameters()) values.put(p.name(), p.value());
        for (AdaptedWeight a : fresh) for (AdapterParameter p : a.parameters()) p.value().assign(values.get(p.name()));
    }

    /**
     * What a finished run adds to run.json: the evaluation loss before and after, the parameter count,
     * the last step's loss, the mean step time (of every step, resumed ones included) and this
     * process's peak resident memory.
     */
    record Outcome(double evalLossBefore, double evalLossAfter, long trainableParameters, double finalLoss, double msPerStep, double peakRssGib) {}

    /** run.json: every setting and the base model's hash; with {@code outcome} null (a run under way) no results yet. */
    static void writeRunJson(TrainingConfig c, String hash, Outcome outcome) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = c.toJson();                                                              // every setting, from TrainingConfig.SETTINGS
        n.put("base_model_hash", hash).put("status", outcome == null ? "running" : "finished");
        if (outcome != null) {
            n.put("trainable_parameters", outcome.trainableParameters()).put("eval_loss_before", outcome.evalLossBefore())
                    .put("eval_loss_after", outcome.evalLossAfter()).put("final_loss", outcome.finalLoss())
                    .put("ms_per_step", outcome.msPerStep()).put("peak_rss_gib", outcome.peakRssGib());
        }
        Path temp = Files.createTempFile(c.out(), ".run.json.", ".tmp");
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), n);
            dev.spectune.checkpoint.safetensors.SafetensorsWriter.moveIntoPlace(temp, c.out().resolve("run.json"));
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
