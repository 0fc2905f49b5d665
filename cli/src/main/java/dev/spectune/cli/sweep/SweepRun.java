/*
 * SweepRun: one run of a sweep — its settings, the `spectune train` arguments they make, and its
 * id: the first 16 hex digits of the SHA-256 of the training settings' fingerprint
 * (TrainingConfig.fingerprint, the identity `train --resume` checks; the base model enters by its
 * hash, the output folder not at all). The same settings give the same id on every engine and every
 * rerun, so a finished run is found again and an interrupted one resumes in its own folder.
 */
package dev.spectune.cli.sweep;

import dev.spectune.cli.TrainCommand;
import dev.spectune.model.pipeline.ModelHash;
import dev.spectune.training.TrainingConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

public record SweepRun(String id, Map<String, String> settings, List<String> trainArgs) implements Serializable {

    /** Settings the sweep sets itself: each run's folder, and resuming its own checkpoints. */
    static final Set<String> RESERVED = Set.of("out", "resume", "overwrite");

    /** A setting's option name: "batch_size" and "batch-size" both mean --batch-size. */
    static String optionName(String setting) {
        return "--" + setting.replace('_', '-');
    }

    /**
     * @param settings a run's settings (shared ones included), by train option name
     * @param planFolder where relative paths are read from
     * @param hashes     base model hashes already computed, by model folder (hashing reads the UNet weights once)
     */
    static SweepRun of(Map<String, String> settings, Path planFolder, Map<Path, String> hashes) throws IOException {
        TrainCommand command = new TrainCommand();
        CommandLine train = new CommandLine(command);
        List<String> args = new ArrayList<>();
        for (var e : settings.entrySet()) {
            String name = optionName(e.getKey());
            if (RESERVED.contains(e.getKey().replace('_', '-'))) {
                throw new IllegalArgumentException("setting '" + e.getKey() + "' is set by the sweep itself (each run trains in OUT/runs/<id> with --resume); remove it from the plan");
            }
            OptionSpec option = train.getCommandSpec().findOption(name);
            if (option == null) throw new IllegalArgumentException("setting '" + e.getKey() + "' is not an option of spectune train (" + name + ")");
            Class<?> type = option.type();
            if (type == boolean.class || type == Boolean.class) {
                if (!e.getValue().equals("true") && !e.getValue().equals("false")) {
                    throw new IllegalArgumentException("setting '" + e.getKey() + "' is true or false, found '" + e.getValue() + "'");
                }
                if (e.getValue().equals("true")) args.add(name);
            } else if (type == Path.class) {
                args.add(name);
                args.add(planFolder.resolve(e.getValue()).toAbsolutePath().normalize().toString());
            } else {
                args.add(name);
                args.add(e.getValue());
            }
        }
        List<String> parsed = new ArrayList<>(args);
        parsed.addAll(List.of("--out", planFolder.toString()));                              // the folder is no part of the identity
        try {
            train.parseArgs(parsed.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("run " + settings + ": " + e.getMessage());
        }
        TrainingConfig c = command.config();
        Path model = c.model().toAbsolutePath().normalize();
        if (!java.nio.file.Files.isDirectory(model)) throw new IllegalArgumentException("run " + settings + ": model " + model + " is not a folder (a diffusers pipeline)");
        String hash = hashes.get(model);
        if (hash == null) {
            hash = ModelHash.of(model);
            hashes.put(model, hash);
        }
        return new SweepRun(idOf(c.fingerprint(hash)), new LinkedHashMap<>(settings), List.copyOf(args));
    }

    static String idOf(String fingerprint) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(fingerprint.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every run of a plan; two runs with the same settings are one run, and the plan is refused naming them. */
    public static List<SweepRun> allOf(SweepPlan plan) throws IOException {
        Map<Path, String> hashes = new java.util.HashMap<>();
        Map<String, SweepRun> byId = new LinkedHashMap<>();
        for (Map<String, String> s : plan.expand()) {
            SweepRun r = of(s, plan.folder(), hashes);
            SweepRun twin = byId.putIfAbsent(r.id(), r);
            if (twin != null) throw new IllegalArgumentException(plan.file() + ": two runs train the same thing (id " + r.id() + "): " + twin.settings() + " and " + s);
        }
        return List.copyOf(byId.values());
    }

    /** The run's arguments to `spectune train`, training into {@code folder} and resuming there. */
    public List<String> commandLine(Path folder) {
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(trainArgs);
        a.addAll(List.of("--out", folder.toString(), "--resume"));
        return a;
    }
}
