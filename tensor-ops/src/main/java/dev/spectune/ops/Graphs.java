/*
 * Graphs: a new SameDiff graph whose weights are held once.
 *
 * SameDiff.create() keeps variables and constants in a ThreadSafeArrayHolder, a DeviceLocalNDArray
 * per array that replicates it for the device on binding: measured, 1 GiB of constants raised the
 * resident set by 2 GiB (an SD-1.5 UNet built to 7.1 GiB for 3.4 GiB of weights). Graphs here are
 * run from one thread at a time, so a SingleThreadArrayHolder (a plain map) holds them instead.
 */
package dev.spectune.ops;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;

public final class Graphs {
    private Graphs() {}

    /** An empty graph whose variable and constant arrays are stored as given, without replicas. */
    public static SameDiff create() {
        SameDiff sd = SameDiff.create();
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        return sd;
    }
}
