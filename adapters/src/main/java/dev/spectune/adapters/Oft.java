/*
 * Oft: orthogonal fine-tuning (Qiu et al. 2023, "Controlling Text-to-Image Diffusion by Orthogonal
 * Finetuning") with a block-diagonal orthogonal R = diag(R1 … Rr) of r blocks of size b, in the
 * two layouts peft has used:
 *
 *   PEFT_0_17  input side, W = W0·Rᵀ (peft ≥ 0.16 rotates the input x ↦ x·R). Parameter oft_R.weight
 *              [r, b(b−1)/2]: the strict upper triangle of each block's skew matrix Q = M − Mᵀ.
 *              R = I + 2·(Q + Q² + … + Q^(n−1)) with n Cayley–Neumann terms (peft's default n = 5,
 *              a truncation of (I + Q)(I − Q)⁻¹), or with n = 0 the exact (I − Q)(I + Q)⁻¹ that
 *              peft computes when use_cayley_neumann is off.
 *   PEFT_0_13  output side, W = Dᵀ·W0 with D = diag(D1 … Dr) over the out dimension. Parameter oft_r
 *              [r, b, b] (full blocks), Di = (I − S)(I + S)⁻¹ with S = ½(M − Mᵀ).
 *
 * COFT (constrained OFT) keeps each block's skew matrix in a Frobenius ball around 0 of radius
 * ε/√r (0.17) or ε·b²/√r (0.13: peft multiplies ε by b²), by projection after each step — peft
 * projects before each forward, without gradient. Block sharing uses one block for all r.
 * Parameters: 0.17 r·b(b−1)/2, 0.13 r·b²; shared: one block.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

public final class Oft {
    private Oft() {}

    public enum Layout { PEFT_0_17, PEFT_0_13 }

    /**
     * @param blocks        r, the number of blocks (it must divide the rotated dimension)
     * @param neumannTerms  0.17 only: Cayley–Neumann terms (0 = exact Cayley)
     * @param coftEps       COFT radius ε, or 0 for plain OFT
     */
    public record Options(int blocks, Layout layout, int neumannTerms, double coftEps, boolean blockShare) {
        public Options {
            if (blocks < 1) throw new IllegalArgumentException("OFT needs at least one block, got " + blocks);
            if (neumannTerms < 0 || neumannTerms == 1) throw new IllegalArgumentException("Cayley–Neumann terms must be 0 (exact) or >= 2, got " + neumannTerms);
            if (coftEps < 0) throw new IllegalArgumentException("COFT ε must be >= 0, got " + coftEps);
            if (layout == null) layout = Layout.PEFT_0_17;
        }

        /** peft 0.17's defaults for r blocks: Cayley–Neumann with 5 terms, no COFT, no sharing. */
        public static Options peft(int blocks) {
            return new Options(blocks, Layout.PEFT_0_17, 5, 0, false);
        }
    }

    /** Refuses a block count that does not divide the rotated dimension (the input's in peft 0.17's layout, the output's before). */
    static void requireDivides(String key, long blocks, long rotated, boolean input) {
        if (rotated % blocks != 0) {
            throw new IllegalArgumentException(key + ": OFT's " + blocks + " blocks do not divide the " + (input ? "input" : "output")
                    + " dimension " + rotated + " (choose a divisor)");
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o) {
        boolean input = o.layout() == Layout.PEFT_0_17;
        long out = w0.rows(), in = w0.columns(), rotated = input ? in : out;
        requireDivides(key, o.blocks(), rotated, input);
        int r = o.blocks(), b = (int) (rotated / r), stored = o.blockShare() ? 1 : r;
        String name = input ? "oft_R.weight" : "oft_r";
        INDArray init = input ? Nd4j.zeros(w0.dataType(), stored, (long) b * (b - 1) / 2) : Nd4j.zeros(w0.dataType(), stored, b, b);
        SDVariable p = sd.var(Names.param(key, name), init);
        INDArray value = p.getArr();
        Runnable constraint = o.coftEps() == 0 ? null : () -> project(value, input, b, o.coftEps());
        if (input && o.neumannTerms() > 0) {                                               // peft 0.17's default: every block at once
            SDVariable w = neumannBatched(sd, w0, p, r, b, stored, o.neumannTerms());
            return new AdaptedWeight(key, "oft", w, List.of(new AdapterParameter(p.name(), p, ParamKind.EUCLIDEAN)), w0, java.util.Map.of(), constraint);
        }
        SDVariable[] rotations = new SDVariable[r];
        for (int i = 0; i < stored; i++) {
            SDVariable block = stored == 1 ? sd.reshape(p, input ? new long[] {(long) b * (b - 1) / 2} : new long[] {b, b})
                    : input ? p.get(SDIndex.point(i), SDIndex.all())                                                  // [b(b−1)/2]
                    : sd.reshape(sd.reshape(p, stored, (long) b * b).get(SDIndex.point(i), SDIndex.all()), b, b);      // [b, b] (rank-3 slicing's gradient fails in M2.1)
            rotations[i] = input ? exactCayley017(sd, block, b) : GraphMath.cayley(sd, block, b);                           // [b, b]
        }
        for (int i = stored; i < r; i++) rotations[i] = rotations[0];
        SDVariable[] parts = new SDVariable[r];
        for (int i = 0; i < r; i++) {
            INDArrayIndex slice = NDArrayIndex.interval((long) i * b, (long) (i + 1) * b);
            if (input) {
                SDVariable cols = sd.constant(Names.param(key, "oft_base_" + i), w0.get(NDArrayIndex.all(), slice).dup('c'));   // [out, b]
                parts[i] = cols.mmul(sd.permute(rotations[i], 1, 0));                                                         // W_i·R_iᵀ
            } else {
                SDVariable rows = sd.constant(Names.param(key, "oft_base_" + i), w0.get(slice, NDArrayIndex.all()).dup('c'));   // [b, in]
                parts[i] = sd.permute(rotations[i], 1, 0).mmul(rows);                                                         // D_iᵀ·W_i
            }
        }
        SDVariable w = sd.concat(input ? 1 : 0, parts);                                                                       // [out, in]
        return new AdaptedWeight(key, "oft", w, List.of(new AdapterParameter(p.name(), p, ParamKind.EUCLIDEAN)), w0, java.util.Map.of(), constraint);
    }

    /**
     * The 0.17 layout with Cayley–Neumann, all blocks in a few batched ops (the per-block graph costs
     * ~16 SameDiff ops per block, which dominates a step at small widths): the packed rows P
     * [stored, n] become the skew blocks Q = M − Mᵀ [stored, b, b] by one product with a constant
     * ±1 scatter (or, for blocks too large for that constant, by one-hot matmuls: v_i[k] spread over
     * b columns by a matmul with a row of ones, masked by the one-hot row index, contracted with the
     * one-hot column index), R = I + 2·(Q + … + Q^(n−1)) by rank-3 matmuls, and W0·Rᵀ
     * block by block as one rank-3 matmul ([r, out, b]·[r, b, b]ᵀ; a shared block as one rank-2 one).
     */
    private static SDVariable neumannBatched(SameDiff sd, INDArray w0, SDVariable p, int r, int b, int stored, int terms) {
        long out = w0.rows(), in = w0.columns();
        int n = b * (b - 1) / 2;
        org.nd4j.linalg.api.buffer.DataType type = w0.dataType();
        String key = p.name();
        SDVariable q = (long) n * b * b <= SKEW_SCATTER_MAX_ELEMENTS
                ? sd.reshape(sd.mmul(p, skewScatter(sd, b, type)), stored, b, b)                   // [stored, b, b] = P·T: one product
                : skewByOneHots(sd, p, b, stored, n, type, key);
        return rotateBatched(sd, w0, q, key, r, b, stored, terms);
    }

    /** T [b(b−1)/2, b·b] above this many elements (16 MiB in float32) is not formed: the one-hot scatter runs instead. */
    static final long SKEW_SCATTER_MAX_ELEMENTS = 1L << 22;

    /**
     * T: packed strict-upper entry k of a b×b block → +1 at (row_k, col_k) and −1 at (col_k, row_k),
     * flattened, so that P·T is every block's skew matrix Q = M − Mᵀ at once (each entry one P value
     * times ±1: exact). One constant per block size and precision, shared by the layers.
     */
    private static SDVariable skewScatter(SameDiff sd, int b, org.nd4j.linalg.api.buffer.DataType type) {
        String name = "oft_skew_scatter_" + b + "_" + type.name().toLowerCase(java.util.Locale.ROOT);
        if (sd.hasVariable(name)) return sd.getVariable(name);
        INDArray t = Nd4j.zeros(type, (long) b * (b - 1) / 2, (long) b * b);
        for (int row = 0, k = 0; row < b; row++) {
            for (int col = row + 1; col < b; col++, k++) {
                t.putScalar(k, (long) row * b + col, 1.0);
                t.putScalar(k, (long) col * b + row, -1.0);
            }
        }
        return sd.constant(name, t);
    }

    /** Q = M − Mᵀ [stored, b, b] by one-hot matmuls, for block sizes whose T would be large. */
    private static SDVariable skewByOneHots(SameDiff sd, SDVariable p, int b, int stored, int n, org.nd4j.linalg.api.buffer.DataType type, String key) {
        INDArray rowsTiled = Nd4j.zeros(type, n, stored, b);                                                 // one-hot row_k, per block
        for (int row = 0, k = 0; row < b; row++) {
            for (int col = row + 1; col < b; col++, k++) for (int i = 0; i < stored; i++) rowsTiled.putScalar(new long[] {k, i, row}, 1.0);
        }
        SDVariable spread = sd.reshape(sd.mmul(sd.reshape(sd.permute(p, 1, 0), (long) n * stored, 1),
                sd.constant(key + "_ones", Nd4j.ones(type, 1, b))), n, stored, b);                           // [n, stored, b]: v_i[k] along b
        SDVariable placed = spread.mul(sd.constant(key + "_rows", rowsTiled));                               // v_i[k] at (k, i, row_k)
        SDVariable m = sd.reshape(sd.mmul(sd.reshape(placed, n, (long) stored * b), oneHot(sd, "cols", b, type), true, false, false),
                stored, b, b);                                                                                 // [stored, b, b] strict upper
        return m.sub(sd.permute(m, 0, 2, 1));                                                                // skew, per block
    }

    /** R = I + 2·(Q + … + Q^(n−1)) per block, then W0·Rᵀ block by block. */
    private static SDVariable rotateBatched(SameDiff sd, INDArray w0, SDVariable q, String key, int r, int b, int stored, int terms) {
        long out = w0.rows(), in = w0.columns();
        org.nd4j.linalg.api.buffer.DataType type = w0.dataType();
        SDVariable sum = q, power = q;
        for (int j = 2; j < terms; j++) {
            power = sd.mmul(power, q);
            sum = sum.add(power);
        }
        INDArray eyes = Nd4j.zeros(type, stored, b, b);
        for (int i = 0; i < stored; i++) eyes.slice(i).assign(Nd4j.eye(b).castTo(type));
        SDVariable rotations = sd.constant(key + "_eye", eyes).add(sum.mul(2.0));                            // [stored, b, b]
        if (stored == 1) {                                                                                   // one block for all: rows of W0 in blocks of b
            SDVariable blocks = sd.constant(key + "_base", w0.reshape('c', out * r, b));                     // [out·r, b]
            return sd.reshape(sd.mmul(blocks, sd.reshape(rotations, b, b), false, true, false), out, in);
        }
        INDArray perBlock = w0.reshape('c', out, r, b).permute(1, 0, 2).dup('c');                            // [r, out, b]
        SDVariable rotated = sd.mmul(sd.constant(key + "_base", perBlock), rotations, false, true, false);  // [r, out, b]: W_i·R_iᵀ
        return sd.reshape(sd.permute(rotated, 1, 0, 2), out, in);                                            // [out, in]
    }

    /**
     * One 0.17 block with the exact Cayley transform (use_cayley_neumann off; the Neumann series takes
     * the batched path): the packed upper triangle v [b(b−1)/2] → Q = M − Mᵀ → (I − Q)(I + Q)⁻¹. M is
     * scattered by two one-hot matrices, M = (P_row ⊙ v)ᵀ·P_col (ND4J M2.1's gather gradient breaks
     * when a graph holds more than one gather).
     */
    private static SDVariable exactCayley017(SameDiff sd, SDVariable v, int b) {
        int n = b * (b - 1) / 2;
        SDVariable weighted = oneHot(sd, "rows", b, v.dataType()).mul(sd.reshape(v, n, 1));            // [n, b]: v_k at (k, row_k)
        SDVariable m = sd.mmul(weighted, oneHot(sd, "cols", b, v.dataType()), true, false, false);    // [b, b] strict upper, M[row_k, col_k] = v_k
        return GraphMath.cayley(sd, m.sub(sd.permute(m, 1, 0)), b);                                   // Q = M − Mᵀ skew
    }

    /**
     * The one-hot row (or column) index of each strict-upper entry k of a b×b block, [b(b−1)/2, b]:
     * one constant per block size and precision, shared by every block and layer of the graph. The
     * scatter costs b(b−1)/2·b² multiply-adds per block: cheap at peft's default block size 32,
     * heavy for blocks of hundreds (use --oft-block-size on wide layers).
     */
    private static SDVariable oneHot(SameDiff sd, String which, int b, org.nd4j.linalg.api.buffer.DataType type) {
        String name = "oft_onehot_" + which + "_" + b + "_" + type.name().toLowerCase(java.util.Locale.ROOT);
        if (sd.hasVariable(name)) return sd.getVariable(name);
        INDArray oneHot = Nd4j.zeros(type, (long) b * (b - 1) / 2, b);
        for (int row = 0, k = 0; row < b; row++) {
            for (int col = row + 1; col < b; col++, k++) oneHot.putScalar(k, which.equals("rows") ? row : col, 1.0);
        }
        return sd.constant(name, oneHot);
    }

    /** COFT: shrinks each block whose skew matrix lies outside the ε ball onto its surface, in place. */
    static void project(INDArray p, boolean layout017, int b, double eps) {
        long stored = p.size(0);
        double radius = (layout017 ? eps : eps * b * b) / Math.sqrt(stored);
        for (long i = 0; i < stored; i++) {
            INDArray block = p.slice(i);
            double norm = layout017 ? Math.sqrt(2) * block.norm2Number().doubleValue() : block.norm2Number().doubleValue();
            if (norm > radius) block.muli(radius / norm);
        }
    }

    /**
     * OFT's settings: the block count r, or (block size > 0, peft's oft_block_size) blocks of that size,
     * the layout, Cayley–Neumann terms (0.17; 0 = exact), the COFT radius (0 = plain OFT) and block sharing.
     */
    public record Config(int blocks, int blockSize, Layout layout, int neumannTerms, double coftEps, boolean blockShare) {
        public Config {
            if (blockSize < 0) throw new IllegalArgumentException("OFT block size must be >= 0, got " + blockSize);
            if (blockSize > 0) blocks = 0;                                                   // the size decides
            else if (blocks < 1) throw new IllegalArgumentException("OFT needs at least one block, got " + blocks);
            if (layout == null) layout = Layout.PEFT_0_17;
        }

        /** The block count on a weight [out, in]: r, or the rotated dimension / the block size. */
        int blocksFor(String key, long out, long in) {
            if (blockSize == 0) return blocks;
            long dim = layout == Layout.PEFT_0_17 ? in : out;
            if (dim % blockSize != 0) throw new IllegalArgumentException(key + ": OFT block size " + blockSize + " does not divide " + dim);
            return (int) (dim / blockSize);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "oft"; }
        public String peftType() { return "OFT"; }
        public Class<Config> configType() { return Config.class; }

        public Config configure(AdapterFlags f) {
            return new Config(f.rankOr(4), f.oftBlockSize(), f.oftLayout(), f.oftNeumannTerms(), f.coftEps(), f.oftBlockShare());
        }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, new Options(c.blocksFor(key, w0.rows(), w0.columns()), c.layout(),
                    c.layout() == Layout.PEFT_0_17 ? c.neumannTerms() : 0, c.coftEps(), c.blockShare()));
        }

        public long parameters(Config c, String key, long out, long in) {
            boolean v017 = c.layout() == Layout.PEFT_0_17;
            long dim = v017 ? in : out, blocks = c.blocksFor(key, out, in), b = dim / blocks;
            requireDivides(key, blocks, dim, v017);                                           // as build does: no count for a layer it cannot adapt
            return (c.blockShare() ? 1 : blocks) * (v017 ? b * (b - 1) / 2 : b * b);
        }

        public int peftRank(Config c) { return c.blocks(); }

        public void writePeft(Config c, java.util.List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
            json.put("oft_block_size", c.blockSize());
            if (c.layout() == Layout.PEFT_0_17) {                                            // peft 0.13 has no Cayley–Neumann options
                json.put("use_cayley_neumann", c.neumannTerms() > 0);
                json.put("num_cayley_neumann_terms", c.neumannTerms());
            }
            json.put("coft", c.coftEps() > 0);
            json.put("eps", c.coftEps());
            json.put("block_share", c.blockShare());
            json.put("module_dropout", 0.0);
        }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            boolean v013 = !c.has("use_cayley_neumann");                                     // peft 0.13's config, output-side full blocks
            int r = c.path("r").asInt(0);
            return java.util.Optional.of(new Config(Math.max(r, 1), r == 0 ? c.path("oft_block_size").asInt(0) : 0, v013 ? Layout.PEFT_0_13 : Layout.PEFT_0_17,
                    v013 || !c.path("use_cayley_neumann").asBoolean() ? 0 : c.path("num_cayley_neumann_terms").asInt(5),
                    c.path("coft").asBoolean(false) ? c.path("eps").asDouble(6e-5) : 0, c.path("block_share").asBoolean(false)));
        }

        public java.util.Map<String, Config> contractVariants() {
            java.util.Map<String, Config> v = new java.util.LinkedHashMap<>();
            v.put("oft", new Config(4, 0, Layout.PEFT_0_17, 5, 0, false));
            v.put("oft-shared", new Config(4, 0, Layout.PEFT_0_17, 5, 0, true));
            v.put("oft-exact", new Config(4, 0, Layout.PEFT_0_17, 0, 0, false));
            v.put("oft-0.13", new Config(4, 0, Layout.PEFT_0_13, 0, 0, false));
            v.put("oft-0.13-shared", new Config(4, 0, Layout.PEFT_0_13, 0, 0, true));
            v.put("coft", new Config(4, 0, Layout.PEFT_0_17, 5, 0.5, false));
            return v;
        }
    };
}
