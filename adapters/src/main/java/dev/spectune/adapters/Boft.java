/*
 * Boft: butterfly orthogonal fine-tuning (Liu et al. 2024, "Parameter-Efficient Orthogonal
 * Finetuning via Butterfly Factorization", ICLR; peft's BOFTLayer, linear layers) — OFT whose
 * orthogonal matrix is a product of m butterfly factors, each a block-diagonal orthogonal matrix
 * between fixed permutations:
 *
 *   M = B_{m−1}·…·B_0,  B_i = P_i·diag(cay(R_{i,1}), …, cay(R_{i,D}))·P_iᵀ,   W = s ⊙ (W0·Mᵀ)
 *
 * with D blocks of size H (D·H = in), cay(X) = (I − K)(I + K)⁻¹, K = ½(X − Xᵀ), and s [out, 1] a
 * per-output scale (peft's boft_s). P_0 = I; P_i (i ≥ 1) is peft's block butterfly permutation
 * with D/2^i blocks and half-blocks of H/2: within each group of in·2^i/D entries, the half-blocks
 * in even positions first, then the odd ones. Parameters boft_R [m, D, H, H] (0 at init: M = I)
 * and boft_s (1 at init): m·D·H² + out.
 *
 * Applied to Wᵀ [in, out]: each factor permutes its rows (constant permutation matrices), rotates
 * each row block of H by its Cayley rotation and permutes back; row slices only (ND4J M2.1's
 * column-slice gradient is wrong).
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Boft {
    private Boft() {}

    /**
     * peft's BOFTConfig: the block size H or the block count D (exactly one of them non-zero), and
     * the number m of butterfly factors (boft_n_butterfly_factor; 1 = plain block-diagonal OFT).
     */
    public record Options(int blockSize, int blockNum, int butterflyFactors) {
        public Options {
            if ((blockSize != 0) == (blockNum != 0)) {
                throw new IllegalArgumentException("BOFT takes a block size or a block count, exactly one of them non-zero; got size " + blockSize + ", count " + blockNum);
            }
            if (blockSize < 0 || blockNum < 0) throw new IllegalArgumentException("BOFT block size and count must be >= 0");
            if (butterflyFactors < 1) throw new IllegalArgumentException("BOFT needs at least one butterfly factor, got " + butterflyFactors);
        }

        /** The options a stored boft_R [m, D, H, H] was trained with. */
        public static Options ofStored(long[] shape) {
            if (shape.length != 4 || shape[2] != shape[3]) throw new IllegalArgumentException("boft_R must be [m, D, H, H], got " + java.util.Arrays.toString(shape));
            return new Options((int) shape[2], 0, (int) shape[0]);
        }

        /** D and H for a layer with {@code in} inputs, checked as peft checks them. */
        int[] blocks(String key, long in) {
            int h = blockSize != 0 ? blockSize : (int) (in / blockNum), d = blockSize != 0 ? (int) (in / blockSize) : blockNum;
            if ((long) h * d != in) throw new IllegalArgumentException(key + ": BOFT blocks (" + d + " × " + h + ") do not tile the " + in + " inputs");
            if (butterflyFactors > 1) {
                if (d % (1 << (butterflyFactors - 1)) != 0 || h % 2 != 0) {
                    throw new IllegalArgumentException(key + ": " + butterflyFactors + " butterfly factors need an even block size and a block count divisible by "
                            + (1 << (butterflyFactors - 1)) + "; got " + d + " blocks of " + h);
                }
            }
            return new int[] {d, h};
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o) {
        long out = w0.rows(), in = w0.columns();
        int[] dh = o.blocks(key, in);
        int d = dh[0], h = dh[1], m = o.butterflyFactors();
        SDVariable r = sd.var(Names.param(key, "boft_R"), Nd4j.zeros(w0.dataType(), m, d, h, h));            // [m, D, H, H]
        SDVariable s = sd.var(Names.param(key, "boft_s"), Nd4j.ones(w0.dataType(), out, 1));                 // [out, 1]
        SDVariable blocks = sd.reshape(r, (long) m * d, (long) h * h);                                          // [m·D, H·H]: row slices
        SDVariable v = sd.constant(Names.param(key, "boft_base"), w0.transpose().dup('c'));                    // Wᵀ [in, out]
        for (int i = 0; i < m; i++) {
            INDArray p = permutationMatrix(butterflyPermutation((int) in, d >> i, h / 2, m - 1)).castTo(w0.dataType());   // [in, in]
            SDVariable pv = sd.constant(Names.param(key, "boft_P" + i), p);
            SDVariable permuted = sd.mmul(pv, v, true, false, false);                                           // Pᵀ·V
            SDVariable[] rotated = new SDVariable[d];
            for (int j = 0; j < d; j++) {
                SDVariable x = sd.reshape(blocks.get(SDIndex.point((long) i * d + j), SDIndex.all()), h, h);    // R_{i,j} [H, H]
                SDVariable rows = permuted.get(SDIndex.interval((long) j * h, (long) (j + 1) * h), SDIndex.all()); // [H, out]
                rotated[j] = GraphMath.cayley(sd, x, h).mmul(rows);
            }
            v = pv.mmul(d == 1 ? rotated[0] : sd.concat(0, rotated));                                          // P·diag(cay)·Pᵀ·V
        }
        SDVariable w = sd.permute(v, 1, 0).mul(s);                                                              // s ⊙ (W0·Mᵀ) [out, in]
        return new AdaptedWeight(key, "boft", w, List.of(new AdapterParameter(r.name(), r, ParamKind.EUCLIDEAN),
                new AdapterParameter(s.name(), s, ParamKind.EUCLIDEAN)), w0);
    }

    /**
     * peft's block butterfly permutation of n entries into {@code blocks} groups, moving half-blocks
     * of {@code half}: within each group, the half-blocks at even positions, then those at odd ones.
     * With no butterfly ({@code higherFactors} = 0) the identity.
     */
    static int[] butterflyPermutation(int n, int blocks, int half, int higherFactors) {
        int[] indices = java.util.stream.IntStream.range(0, n).toArray();
        if (higherFactors == 0) return indices;
        if ((long) blocks * half * 2 > n) throw new IllegalArgumentException("BOFT: " + blocks + " butterfly groups of half-blocks " + half + " do not fit " + n);
        int group = n / blocks, chunks = group / half;
        int[] order = new int[group];
        int next = 0;
        for (int parity = 0; parity < 2; parity++) {
            for (int c = parity; c < chunks; c += 2) for (int t = 0; t < half; t++) order[next++] = c * half + t;
        }
        for (int start = 0; start < n; start += group) {
            int[] tmp = java.util.Arrays.copyOfRange(indices, start, start + group);
            for (int t = 0; t < group; t++) indices[start + t] = tmp[order[t]];
        }
        return indices;
    }

    /** P with P[i, perm[i]] = 1, so that (P·x)_i = x_{perm[i]}. */
    static INDArray permutationMatrix(int[] perm) {
        INDArray p = Nd4j.zeros(perm.length, perm.length);
        for (int i = 0; i < perm.length; i++) p.putScalar(i, perm[i], 1.0);
        return p;
    }

    public static final AdapterMethod<Options> METHOD = new AdapterMethod<>() {
        public String name() { return "boft"; }
        public String peftType() { return "BOFT"; }
        public Class<Options> configType() { return Options.class; }

        /** --oft-block-size as peft's boft_block_size, else --rank blocks; --boft-butterfly-factors. */
        public Options configure(AdapterFlags f) {
            return new Options(f.oftBlockSize(), f.oftBlockSize() == 0 ? f.rankOr(4) : 0, f.boftButterflyFactors());
        }

        /** Linear layers only: peft's conv BOFT rotates a raw view of the weight, which is not implemented here. */
        public AdapterInjector.Method builder(Options o, AdapterMethod.Context x) {
            return new AdapterInjector.Method() {
                @Override
                public AdaptedWeight build(SameDiff sd, String key, INDArray w0) {
                    INDArray stored = x.stored().get(Names.param(key, "boft_R"));            // a saved adapter: its own block shape
                    return Boft.build(sd, key, w0, stored != null ? Options.ofStored(stored.shape()) : o);
                }

                @Override
                public boolean adaptsConv() {
                    return false;
                }
            };
        }

        public long parameters(Options o, String key, long out, long in) {
            int[] dh = o.blocks(key, in);
            return (long) o.butterflyFactors() * dh[0] * dh[1] * dh[1] + out;
        }

        public int peftRank(Options o) { return 0; }

        public void writePeft(Options o, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
            json.put("boft_block_size", o.blockSize());
            json.put("boft_block_num", o.blockNum());
            json.put("boft_n_butterfly_factor", o.butterflyFactors());
            json.put("boft_dropout", 0.0);
            json.put("init_weights", true);
        }

        /** The factors that trained are boft_R's first dimension: peft falls back to one without its CUDA kernel, whatever its config says. */
        public java.util.Optional<Options> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            INDArray stored = tensors.entrySet().stream().filter(e -> e.getKey().endsWith(".boft_R")).map(java.util.Map.Entry::getValue).findFirst().orElse(null);
            return java.util.Optional.of(new Options(c.path("boft_block_size").asInt(0), c.path("boft_block_num").asInt(0),
                    stored != null ? (int) stored.size(0) : c.path("boft_n_butterfly_factor").asInt(1)));
        }

        public java.util.Map<String, Options> contractVariants() {
            java.util.Map<String, Options> v = new java.util.LinkedHashMap<>();
            v.put("boft", new Options(4, 0, 1));
            v.put("boft-butterfly", new Options(0, 6, 2));
            return v;
        }
    };
}
