/*
 * Tolerances: the one place that states how close spectune must come to its references.
 *
 * The numbers are those shared/README.md derives from the reference's own float32-vs-float64 gap
 * (UNet 1.6e-6, CLIP 1.2e-6, VAE 1e-7). Tests and parity commands read them from here; nothing
 * else hard-codes a tolerance.
 */
package dev.spectune.runtime;

public final class Tolerances {
    private Tolerances() {}

    /** A closed-form value computed in double (a table value, a formula's result): a few ulps. */
    public static final double CLOSED_FORM_F64 = 1e-15;
    /** The same double computation arranged another way (W0 + ΔW − ΔW): rounding only. */
    public static final double REARRANGED_F64 = 1e-14;
    /** An algebraic identity through several double matrix products (identity at init, merged = adapted, QᵀQ = I). */
    public static final double IDENTITY_F64 = 1e-12;
    /** An execution plan (or a rewrite of its backward) against SameDiff's own session, float64, relative to the reference's norm (issue 14). */
    public static final double PLAN_VS_SAMEDIFF_F64_REL = 1e-12;
    /** A float32 result recomputed another way (re-read from a file, merged instead of injected, resumed): relative. */
    public static final double RECOMPUTED_F32_REL = 1e-5;
    /** A float32 value exact up to float32 rounding (ln 2 at DCO's start, an energy share ≤ 1, a merge undone, ΔW vs its full-rank SVD): relative. */
    public static final double ROUNDED_F32_REL = 1e-6;
    /** An iterative method in double run to convergence, against the closed-form optimum: relative. */
    public static final double CONVERGED_F64_REL = 1e-6;
    /** A randomized SVD's top-r subspace (largest principal-angle sine) and sign against the full SVD, in double. */
    public static final double RANDOMIZED_SUBSPACE_F64 = 1e-8;
    /** A principal angle in degrees from acos in double; at 0° acos(1 − ε) magnifies rounding to √ε. */
    public static final double ANGLE_DEG = 1e-9, ANGLE_AT_ZERO_DEG = 1e-6;
    /**
     * The spectrum tool's float32 report: a randomized top-r singular value against the full SVD
     * (relative), and a principal angle in degrees between subspaces a method keeps.
     */
    public static final double SPECTRUM_REPORT_F32 = 0.05;
    /** Central finite differences vs backprop in float32 (step 0.05): relative. */
    public static final double GRADIENT_FD_F32_REL = 2e-2;
    /** A single op, forward, float64 against the plain-Java reference: relative to max-abs. */
    public static final double OP_FORWARD_F64_REL = 1e-6;
    /** A single op against an upstream golden tensor in float32: absolute. */
    public static final double OP_GOLDEN_F32_ABS = 1e-5;
    /** Central finite differences vs SameDiff backprop in float64: relative error. */
    public static final double GRADIENT_FD_F64_REL = 1e-6;
    /** Model outputs in float32, relative to the output's max-abs. */
    public static final double MODEL_OUTPUT_F32_REL = 1e-4;
    /** Model outputs in float64 against the reference's float64 re-run. */
    public static final double MODEL_OUTPUT_F64_REL = 1e-8;
    /** Gradients and multi-step pipelines, relative. */
    public static final double GRADIENT_AND_PIPELINE_REL = 1e-3;
    /** An adapter layer or an optimizer step in float64 against the authors' float64 run. */
    public static final double LAYER_F64_REL = 1e-9;
    /** Optimizer iterates and states in float32 against the reference's float32 run (its own f32-vs-f64 gap is ~1e-7 a step). */
    public static final double OPTIMIZER_F32_REL = 1e-5;
    /**
     * A reference whose own float32 and float64 runs differ by more than this (relative) has become
     * chaotic: from there on its values are reported, not compared.
     */
    public static final double CHAOTIC_REFERENCE_GAP_REL = 1e-3;
    /**
     * Gradients that are zero in exact arithmetic (attention key biases) hold only rounding noise;
     * they are judged relative to this fraction of the network's largest gradient.
     */
    public static final double GRADIENT_NOISE_FLOOR = 1e-4;
    /** Eager decompositions in double against EJML (reconstruction, orthogonality, agreement). */
    public static final double DECOMPOSITION_F64 = 1e-10;
    /** Eager decompositions in float against EJML in double. */
    public static final double DECOMPOSITION_F32 = 1e-5;
}
