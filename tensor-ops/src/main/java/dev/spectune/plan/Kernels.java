/*
 * Kernels: which implementation of a convolution or a matrix product a plan calls — oneDNN's (the
 * libnd4j "helper" of the oneDNN-AVX2 build) or libnd4j's own (im2col + GEMM; its own GEMM) —
 * chosen by size, a fixed rule so a run and its resume execute the same arithmetic.
 *
 * Measured on this 2-core AVX2 machine (ms per call, float32, 3x3, batch 1; bench of 2026-12-06):
 *
 *   channels, H=W    conv2d oneDNN / own   backward-data oneDNN / own
 *   1280, 2          125 / 9               128 / 7
 *   1280, 8          102 / 27              107 / 31
 *   1280, 16         114 / 64              130 / 69
 *    640, 16          5.7 / 20              8.3 / 25
 *    640, 32         46 / 120              28 / 108
 *    320, 64         22 / 200              21 / 417
 *
 * oneDNN costs ~100 ms per call whatever the spatial size once the weight passes ~30 MB (it
 * reorders the weight into its blocked layout on every call); below that it is 3-20x faster.
 */
package dev.spectune.plan;

final class Kernels {
    private Kernels() {}

    /** Weights above this many elements (24 MiB in float32) run on libnd4j's own kernels. */
    static final long ONEDNN_MAX_WEIGHT_ELEMENTS = 6L << 20;

    static boolean useOneDnn(long weightElements) {
        return weightElements <= ONEDNN_MAX_WEIGHT_ELEMENTS;
    }

    /**
     * oneDNN sets up a primitive (memory descriptors, a primitive-descriptor search, buffers) on
     * every matmul call; on small products that set-up is most of the call. Measured here (µs per
     * [M, K]·[K, N] call, float32, reused call context, 2026-12-07): M,K,N = 32,32,32: 8.4 / 5.0;
     * 64,32,96: 19.2 / 8.7; 256,32,32: 17.6 / 9.7; 1024,64,64: 37.5 / 118.9; 77,768,320: 155 / 365.
     * Products up to this many multiply-adds run on libnd4j's own GEMM.
     */
    static final long ONEDNN_MIN_MATMUL_MACS = 1L << 18;

    /** @param macs M·K·N of a rank-2 product */
    static boolean matmulOnOneDnn(long macs) {
        return macs > ONEDNN_MIN_MATMUL_MACS;
    }
}
