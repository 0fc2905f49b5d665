/*
 * SpectralAdapter: tuning the top singular vectors (Zhang & Pilanci, "Spectral Adapter:
 * Fine-Tuning in Spectral Space", 2024), on W0 = U·diag(σ)·Vᵀ with J a set of r columns (the top r
 * by default, or block i = [i·r, (i+1)·r), or a list) and W_rest the rest of the sum:
 *
 *   additive (A):    W = W_rest + (U_J + A)·diag(σ_J + c)·(V_J + B)ᵀ,  A, B, c = 0 at init
 *   rotational (R):  W = W_rest + U_J·cay(A)·diag(σ_J ⊙ c)·(V_J·cay(B))ᵀ,  A = B = 0, c = 1,
 *                    cay(X) = (I − K)(I + K)⁻¹, K = ½(X − Xᵀ)
 *   rotational on the Stiefel manifold (ROTATIONAL_STIEFEL): the same with cay(A), cay(B) replaced by
 *                    orthogonal parameters Q_A, Q_B ∈ O(r) (I at init) that a Stiefel optimizer keeps orthogonal
 * J is the top r columns, the bottom r, block i, or an explicit list.
 * Parameters: additive r·(out + in + 1), rotational 2r² + r.
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Svd;
import dev.spectune.optim.ParamKind;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

public final class SpectralAdapter {
    private SpectralAdapter() {}

    public enum Kind { ADDITIVE, ROTATIONAL, ROTATIONAL_STIEFEL }

    /** The columns J: {@code block} i of width {@code rank} (block −1: the bottom r), or an explicit list. */
    public record Columns(int rank, int block, int[] list) {
        public Columns {
            if (rank < 1) throw new IllegalArgumentException("Spectral Adapter rank must be >= 1, got " + rank);
            if (block < -1) throw new IllegalArgumentException("column block must be >= 0 (or −1 for the bottom columns), got " + block);
            if (list != null) list = list.clone();
        }

        public static Columns top(int rank) {
            return new Columns(rank, 0, null);
        }

        public static Columns bottom(int rank) {
            return new Columns(rank, -1, null);
        }

        /** "top", "bottom", "block:i" or a comma-separated column list "0,5,9,12". */
        public static Columns parse(String spec, int rank) {
            if (spec == null || spec.isBlank() || spec.equals("top")) return top(rank);
            if (spec.equals("bottom")) return bottom(rank);
            if (spec.startsWith("block:")) return new Columns(rank, Integer.parseInt(spec.substring("block:".length()).strip()), null);
            try {
                return new Columns(rank, 0, java.util.Arrays.stream(spec.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("column set must be top, bottom, block:i or a list like 0,5,9,12; got '" + spec + "'");
            }
        }

        /** The column indices for a weight with k = min(out, in) singular values. */
        public int[] indices(long k) {
            int[] j = list != null ? list.clone()
                    : block < 0 ? java.util.stream.IntStream.range((int) k - rank, (int) k).toArray()
                    : java.util.stream.IntStream.range(block * rank, block * rank + rank).toArray();
            for (int i : j) if (i < 0 || i >= k) throw new IllegalArgumentException("singular-vector column " + i + " outside [0, " + k + ")");
            if (j.length != rank) throw new IllegalArgumentException("column list has " + j.length + " entries, rank is " + rank);
            return j;
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Kind kind, Columns columns) {
        return build(sd, key, w0, Svd.of(w0), kind, columns);
    }

    /** With a given decomposition (U [out, k], s [k], Vt [k, in]). */
    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Svd svd, Kind kind, Columns columns) {
        long k = svd.s().length();
        int[] j = columns.indices(k);
        int r = j.length;
        INDArray v = svd.v();                                                                   // [in, k]
        INDArray uJ = svd.u().get(NDArrayIndex.all(), NDArrayIndex.indices(toLong(j))).dup('c');   // [out, r]
        INDArray vJ = v.get(NDArrayIndex.all(), NDArrayIndex.indices(toLong(j))).dup('c');         // [in, r]
        INDArray sJ = Nd4j.createFromArray(java.util.Arrays.stream(j).mapToDouble(i -> svd.s().getDouble(i)).toArray()).castTo(w0.dataType());
        INDArray sRest = svd.s().dup();
        for (int i : j) sRest.putScalar(i, 0.0);
        INDArray rest = svd.u().mulRowVector(sRest).mmul(svd.vt());                             // W_rest [out, in]
        List<AdapterParameter> params = new ArrayList<>();
        SDVariable u = sd.constant(Names.param(key, "spectral_UJ"), uJ), vv = sd.constant(Names.param(key, "spectral_VJ"), vJ);
        SDVariable s = sd.constant(Names.param(key, "spectral_SJ"), sJ);
        SDVariable w;
        if (kind == Kind.ADDITIVE) {
            SDVariable a = param(sd, key, "spectral_A", Nd4j.zeros(w0.dataType(), w0.rows(), r), params);
            SDVariable b = param(sd, key, "spectral_B", Nd4j.zeros(w0.dataType(), w0.columns(), r), params);
            SDVariable c = param(sd, key, "spectral_C", Nd4j.zeros(w0.dataType(), r), params);
            w = u.add(a).mul(sd.reshape(s.add(c), 1, r)).mmul(sd.permute(vv.add(b), 1, 0));
        } else {
            boolean stiefel = kind == Kind.ROTATIONAL_STIEFEL;
            INDArray init = stiefel ? Nd4j.eye(r).castTo(w0.dataType()) : Nd4j.zeros(w0.dataType(), r, r);
            SDVariable a = param(sd, key, stiefel ? "spectral_QA" : "spectral_A", init, params, stiefel);
            SDVariable b = param(sd, key, stiefel ? "spectral_QB" : "spectral_B", init.dup(), params, stiefel);
            SDVariable c = param(sd, key, "spectral_C", Nd4j.ones(w0.dataType(), r), params);
            SDVariable ur = u.mmul(stiefel ? a : GraphMath.cayley(sd, a, r)), vr = vv.mmul(stiefel ? b : GraphMath.cayley(sd, b, r));   // [out, r], [in, r]
            w = ur.mul(sd.reshape(s.mul(c), 1, r)).mmul(sd.permute(vr, 1, 0));
        }
        w = w.add(sd.constant(Names.param(key, "spectral_rest"), rest));
        return new AdaptedWeight(key, kind == Kind.ADDITIVE ? "spectral-a" : "spectral-r", w, List.copyOf(params), w0);
    }

    private static SDVariable param(SameDiff sd, String key, String name, INDArray init, List<AdapterParameter> params) {
        return param(sd, key, name, init, params, false);
    }

    private static SDVariable param(SameDiff sd, String key, String name, INDArray init, List<AdapterParameter> params, boolean stiefel) {
        SDVariable v = sd.var(Names.param(key, name), init);
        params.add(new AdapterParameter(v.name(), v, stiefel ? ParamKind.STIEFEL : ParamKind.EUCLIDEAN));
        return v;
    }

    private static long[] toLong(int[] a) {
        return java.util.Arrays.stream(a).asLongStream().toArray();
    }

    /** The Spectral Adapter's settings: rank r and the column set J ("top", "bottom", "block:i" or a list "0,5,9,12"); for R, Stiefel rotations instead of Cayley. */
    public record Config(int rank, String columns, boolean stiefel) {
        public Config {
            if (columns == null || columns.isBlank()) columns = "top";
            Columns.parse(columns, rank);                                                     // fail early on a malformed set
        }

        public Columns columnSet() {
            return Columns.parse(columns, rank);
        }
    }

    /** --spectral-columns, else --column-block i as block:i. */
    static Config configure(AdapterFlags f, boolean rotational) {
        String columns = f.spectralColumns() != null ? f.spectralColumns() : f.columnBlock() == 0 ? "top" : "block:" + f.columnBlock();
        return new Config(f.rankOr(4), columns, rotational && f.spectralStiefel());
    }

    public static final AdapterMethod<Config> ADDITIVE = new AdapterMethod<>() {
        public String name() { return "spectral-a"; }
        public double stateBytesPerWeightByte() { return 2; }
        public String peftType() { return "SPECTUNE_SPECTRAL_ADDITIVE"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return SpectralAdapter.configure(f, false); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, x.svds().svd(key, w0), Kind.ADDITIVE, c.columnSet());
        }

        public long parameters(Config c, String key, long out, long in) { return (long) c.rank() * (out + in + 1); }

        public java.util.Map<String, Config> contractVariants() {
            java.util.Map<String, Config> v = new java.util.LinkedHashMap<>();
            v.put("spectral-a", new Config(4, "top", false));
            v.put("spectral-a-block1", new Config(4, "block:1", false));
            v.put("spectral-a-bottom", new Config(4, "bottom", false));
            v.put("spectral-a-list", new Config(4, "0,3,7,12", false));
            return v;
        }
    };

    public static final AdapterMethod<Config> ROTATIONAL = new AdapterMethod<>() {
        public String name() { return "spectral-r"; }
        public double stateBytesPerWeightByte() { return 2; }
        public String peftType() { return "SPECTUNE_SPECTRAL_ROTATIONAL"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return SpectralAdapter.configure(f, true); }

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, x.svds().svd(key, w0), c.stiefel() ? Kind.ROTATIONAL_STIEFEL : Kind.ROTATIONAL, c.columnSet());
        }

        public long parameters(Config c, String key, long out, long in) { return 2L * c.rank() * c.rank() + c.rank(); }

        public java.util.Map<String, Config> contractVariants() {
            java.util.Map<String, Config> v = new java.util.LinkedHashMap<>();
            v.put("spectral-r", new Config(4, "top", false));
            v.put("spectral-r-stiefel", new Config(4, "top", true));
            return v;
        }
    };
}
