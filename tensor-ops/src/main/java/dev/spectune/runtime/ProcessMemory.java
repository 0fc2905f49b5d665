/*
 * ProcessMemory: what this process holds in memory and what it may still take, read from Linux's
 * /proc (proc(5): /proc/self/status VmRSS and VmHWM, /proc/meminfo MemAvailable) and JavaCPP's
 * cap on physical bytes (-Dorg.bytedeco.javacpp.maxphysicalbytes, which bin/spectune sets: past
 * it JavaCPP refuses native allocations). Off Linux the readings are 0 and the limit unknown.
 */
package dev.spectune.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class ProcessMemory {
    private ProcessMemory() {}

    /** Bytes resident now (VmRSS). */
    public static long resident() {
        return kib(Path.of("/proc/self/status"), "VmRSS:") * 1024;
    }

    /** The resident high-water mark since start or the last {@link #resetPeak} (VmHWM). */
    public static long peak() {
        return kib(Path.of("/proc/self/status"), "VmHWM:") * 1024;
    }

    /** Resets the kernel's resident high-water mark (clear_refs 5), so the next {@link #peak} is what follows. */
    public static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not permitted: the peak stays the process's
        }
    }

    /**
     * The most this process can hold: what it holds plus what the kernel says is available
     * (MemAvailable), capped by JavaCPP's maxphysicalbytes when set; Long.MAX_VALUE when neither
     * can be read.
     */
    public static long limit() {
        long available = kib(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
        long limit = available > 0 ? resident() + available : Long.MAX_VALUE;
        long cap = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        return cap > 0 ? Math.min(limit, cap) : limit;
    }

    /** What the kernel says new processes can still take (MemAvailable), in bytes; Long.MAX_VALUE when it cannot be read. */
    public static long available() {
        long available = kib(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
        return available > 0 ? available : Long.MAX_VALUE;
    }

    private static long kib(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) return Long.parseLong(line.substring(field.length()).replaceAll("\\D", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return 0;
    }
}
