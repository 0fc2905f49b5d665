/*
 * MemoryBenchCommand: `spectune bench memory [--] sample|train …` — runs a spectune command in a
 * fresh JVM (the same java, flags and class path as this one), reads the memory estimate the
 * command prints before it starts ("memory: … needs about X GiB"), follows the child's resident
 * high-water mark (/proc/PID/status VmHWM, read every 50 ms) and prints both with their ratio:
 * the check of MemoryEstimate's ±25% (issue "Reliability", item 1). A figure, never a test.
 */
package dev.spectune.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "A command's memory estimate beside its measured peak: bench memory -- sample --model DIR --height 512 ...")
public final class MemoryBenchCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "The spectune command to run (sample or train, with its options).") List<String> command;

    static final Pattern ESTIMATE = Pattern.compile("memory: (.*) needs about ([0-9.]+) GiB");

    @Override
    public Integer call() throws Exception {
        if (!List.of("sample", "train").contains(command.get(0))) {
            throw new IllegalArgumentException("bench memory runs sample or train, got '" + command.get(0) + "'");
        }
        List<String> argv = new ArrayList<>();
        argv.add(ProcessHandle.current().info().command().orElse("java"));
        argv.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add(Main.class.getName());
        argv.addAll(command);
        Process child = new ProcessBuilder(argv).redirectErrorStream(true).start();
        Path status = Path.of("/proc/" + child.pid() + "/status");
        long[] peakKib = {0};
        Thread watcher = Thread.ofPlatform().daemon().start(() -> {
            while (child.isAlive()) {
                try {
                    for (String line : Files.readAllLines(status)) {
                        if (line.startsWith("VmHWM:")) peakKib[0] = Math.max(peakKib[0], Long.parseLong(line.replaceAll("\\D", "")));
                    }
                    Thread.sleep(50);
                } catch (IOException | NumberFormatException e) {
                    return;                                                                  // exited between the check and the read
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        String what = null;
        double estimate = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println("  | " + line);
                Matcher m = ESTIMATE.matcher(line);
                if (m.find() && what == null) {
                    what = m.group(1);
                    estimate = Double.parseDouble(m.group(2));
                }
            }
        }
        int code = child.waitFor();
        watcher.join();
        double peak = peakKib[0] / 1048576.0;
        if (what == null) {
            System.out.printf("the command printed no estimate (exit %d); measured peak %.2f GiB%n", code, peak);
            return code == 0 ? 1 : code;
        }
        System.out.printf("%s: estimate %.2f GiB, measured peak %.2f GiB, estimate/peak %.2f (exit %d)%n", what, estimate, peak, estimate / peak, code);
        return code;
    }
}
