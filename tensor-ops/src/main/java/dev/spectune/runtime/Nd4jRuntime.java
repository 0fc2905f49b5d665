/*
 * Nd4jRuntime: one place that starts ND4J and says which native build is running.
 *
 * nd4j-native ships two linux builds (generic x86-64 and "-onednn-avx2"); javacpp picks one by
 * the system property org.bytedeco.javacpp.platform.extension, which bin/spectune sets. This class
 * reports which library file was actually loaded, so a benchmark figure can be tied to a build.
 */
package dev.spectune.runtime;

import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

public final class Nd4jRuntime {
    private Nd4jRuntime() {}

    /** Forces backend initialisation (about 3 s the first time in a JVM). */
    public static void init() {
        Nd4j.getBackend();
    }

    /** Sets ND4J's default float type for arrays created without an explicit type. */
    /**
     * Frees the off-heap arrays nothing references any more. ND4J releases an array's memory when
     * the Java collector finds it unreachable; building a model creates gigabytes of such garbage
     * (decoded, permuted and decomposed weights) on a heap too quiet to trigger a collection, so it
     * would stay resident; glibc then keeps the freed pages unless trimmed. Called once a model and
     * its adapters are built, and between the methods of a bench.
     */
    public static void collectGarbage() {
        System.gc();
        try {
            Thread.sleep(200);                                                              // ND4J's deallocator threads free what the collection found
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        trimNativeMemory();
    }

    /** JavaCPP's malloc_trim (private in 1.5.7): hands the pages the native allocator holds free back to the OS. */
    private static void trimNativeMemory() {
        try {
            java.lang.reflect.Method trim = org.bytedeco.javacpp.Pointer.class.getDeclaredMethod("trimMemory");
            trim.setAccessible(true);
            trim.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // another JavaCPP, or no glibc: the pages stay with the allocator (resident, reused)
        }
    }

    public static void useDefaultDataType(DataType type) {
        init();
        Nd4j.setDefaultDataTypes(type, type);
    }

    /** "generic" or "onednn-avx2", read from the loaded native library's path. */
    public static String nativeBuild() {
        init();
        for (String path : Loader.getLoadedLibraries().values()) {
            if (path != null && path.contains("jnind4jcpu")) {
                return path.contains("onednn-avx2") ? "onednn-avx2" : "generic";
            }
        }
        String extension = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
        return extension.contains("onednn-avx2") ? "onednn-avx2" : "generic";
    }

    /** Path of the loaded ND4J native library, or "unknown". */
    public static String nativeLibraryPath() {
        init();
        return Loader.getLoadedLibraries().values().stream()
                .filter(p -> p != null && p.contains("jnind4jcpu"))
                .findFirst().orElse("unknown");
    }

    /** The backend's own build information (compiler, oneDNN, OpenBLAS flags). */
    public static List<String> buildInformation() {
        init();
        String info = Nd4j.getExecutioner().getClass().getName();
        try {
            var holder = Class.forName("org.nd4j.nativeblas.NativeOpsHolder");
            Object instance = holder.getMethod("getInstance").invoke(null);
            Object ops = holder.getMethod("getDeviceNativeOps").invoke(instance);
            info = String.valueOf(ops.getClass().getMethod("buildInfo").invoke(ops));
        } catch (ReflectiveOperationException e) {
            // Older or other backends: fall back to the executioner's class name.
        }
        return info.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** Backend class simple name, e.g. CpuBackend. */
    public static String backendName() {
        init();
        return Nd4j.getBackend().getClass().getSimpleName();
    }
}
