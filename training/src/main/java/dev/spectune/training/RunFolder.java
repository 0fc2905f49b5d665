/*
 * RunFolder: who owns a `train` output folder. One process at a time: an OS lock on
 * OUT/.spectune.lock (the kernel releases it when the process ends, kill -9 included, so it is never
 * stranded), with the holder's pid and start time written in it for the refusal to name. One run
 * per folder: run.json is written when a run starts (its settings and base model; the results are
 * added at the end), and a run whose settings differ from the folder's is refused, naming the
 * settings that differ, unless --overwrite. kohya's sd-scripts and diffusers' scripts write into
 * whatever folder they are given; this is the stricter contract the issue asks for.
 */
package dev.spectune.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

public final class RunFolder implements AutoCloseable {

    public static final String LOCK = ".spectune.lock", RUN_JSON = "run.json";

    /** What spectune's atomic writes leave when killed mid-write: ".NAME.<digits>.tmp" (Files.createTempFile's names). */
    static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\..+\\.\\d+\\.tmp");

    /**
     * The lock files this JVM holds, with their holder text. POSIX locks belong to the process, and
     * closing any descriptor of the file drops all of them: a second claim in the same JVM must
     * not so much as open the file, or it would unlock the first.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, String> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path out, lockFile;
    private final boolean created;                // the folder did not exist before this run
    private final FileChannel channel;
    private final FileLock lock;

    private RunFolder(Path out, Path lockFile, boolean created, FileChannel channel, FileLock lock) {
        this.out = out;
        this.lockFile = lockFile;
        this.created = created;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes {@code c.out()} for this run: creates it, locks it, and checks that it holds no other
     * run. Refusals are IllegalArgumentExceptions (exit 2) that name the folder and what to do.
     */
    public static RunFolder claim(TrainingConfig c, String baseModelHash) throws IOException {
        Path out = c.out();
        boolean created = !Files.exists(out);
        Files.createDirectories(out);
        Path lockFile = out.resolve(LOCK).toAbsolutePath().normalize();
        String me = "pid " + ProcessHandle.current().pid() + ", started " + Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime())
                .truncatedTo(ChronoUnit.SECONDS);
        if (HELD.putIfAbsent(lockFile, me) != null) throw inUse(out, lockFile, HELD.get(lockFile));   // this JVM: never open the file (see HELD)
        FileChannel ch = null;
        FileLock lock = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            lock = ch.tryLock();
            if (lock == null) {                                                                  // another process holds it
                ByteBuffer text = ByteBuffer.allocate(512);
                ch.read(text, 0);
                throw inUse(out, lockFile, new String(text.array(), 0, text.position(), StandardCharsets.UTF_8).strip());
            }
        } catch (IOException | RuntimeException e) {
            HELD.remove(lockFile);
            if (ch != null) ch.close();
            throw e;
        }
        RunFolder folder = new RunFolder(out, lockFile, created, ch, lock);
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            checkOwnRun(c, baseModelHash);
            for (Path dir : List.of(out, out.resolve("adapter"), out.resolve("adapter").resolve("text_encoder"))) removeTemporaries(dir);
            return folder;
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** Refuses a folder whose run.json records another run (unreadable counts as another), unless --overwrite. */
    static void checkOwnRun(TrainingConfig c, String baseModelHash) throws IOException {
        Path runJson = c.out().resolve(RUN_JSON);
        if (!Files.exists(runJson) || c.overwrite()) return;
        JsonNode recorded;
        try {
            recorded = new ObjectMapper().readTree(runJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(runJson + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + "), so the folder's run"
                    + " is unknown: pass --overwrite to replace it, or choose another --out");
        }
        List<String> differences = recorded == null || !recorded.isObject() ? List.of("run.json: not a JSON object") : c.differences(recorded, baseModelHash);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException(c.out() + " holds another run (" + runJson + "); its settings differ from this run's in:\n  "
                    + String.join("\n  ", differences) + "\npass --overwrite to replace that run's outputs, or choose another --out");
        }
    }

    /** Deletes the temporaries an earlier run left when it was killed while writing (they are never complete files). */
    static void removeTemporaries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> Files.isRegularFile(p) && TEMPORARY.matcher(p.getFileName().toString()).matches()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * After a run that failed before writing any output: removes what claiming left (the lock file,
     * the starting run.json) and the folder, when this run created it. A folder that existed, or
     * holds anything else, is left as it is.
     */
    public void abandon() throws IOException {
        close();
        if (!created) return;
        try (var files = Files.list(out)) {
            if (!files.allMatch(p -> p.getFileName().toString().equals(LOCK) || p.getFileName().toString().equals(RUN_JSON))) return;
        }
        Files.deleteIfExists(out.resolve(RUN_JSON));
        Files.deleteIfExists(out.resolve(LOCK));
        Files.deleteIfExists(out);
    }

    private static IllegalArgumentException inUse(Path out, Path lockFile, String holder) {
        return new IllegalArgumentException(out + " is in use by another `spectune train` (" + (holder == null || holder.isEmpty() ? "holder unknown" : holder)
                + ", lock " + lockFile + "); wait for it to finish, or choose another --out");
    }

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            if (lock.isValid()) lock.release();
        } finally {
            channel.close();
            HELD.remove(lockFile);
        }
    }
}
