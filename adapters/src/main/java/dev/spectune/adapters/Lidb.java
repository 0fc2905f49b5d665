/*
 * Lidb: Lightweight DreamBooth (Ruiz et al. 2023, "HyperDreamBooth", §3.2): LoRA's factors
 * decomposed once more through frozen random matrices with orthonormal columns/rows,
 *
 *   W = W0 + A_aux·A_train·B_train·B_aux,
 *   A_aux [out, a] (orthonormal columns), A_train [a, r] = 0, B_train [r, b], B_aux [b, in] (orthonormal rows),
 *
 * with a = 100, b = 50, r = 1 in the paper (capped at out and in). The auxiliary matrices come from
 * the QR of seeded Gaussians and are stored in the adapter file. Parameters: r·(a + b).
 */
package dev.spectune.adapters;

import dev.spectune.linalg.Qr;
import dev.spectune.optim.ParamKind;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public final class Lidb {
    private Lidb() {}

    public record Options(int auxA, int auxB, int rank, long seed) {
        public Options {
            if (auxA < 1 || auxB < 1 || rank < 1) throw new IllegalArgumentException("LiDB sizes must be >= 1, got a=" + auxA + " b=" + auxB + " r=" + rank);
        }

        /** The paper's a = 100, b = 50, r = 1. */
        public static Options paper(long seed) {
            return new Options(100, 50, 1, seed);
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o) {
        return build(sd, key, w0, o, null, null);
    }

    /** With given auxiliary matrices (loaded from a file), or null to draw them. */
    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Options o, INDArray givenAuxA, INDArray givenAuxB) {
        long out = w0.rows(), in = w0.columns();
        int a = (int) Math.min(o.auxA(), out), b = (int) Math.min(o.auxB(), in);
        Nd4j.getRandom().setSeed(o.seed() + key.hashCode());
        INDArray auxA = givenAuxA != null ? givenAuxA : orthonormalColumns(out, a, w0.dataType());                   // [out, a]
        INDArray auxB = givenAuxB != null ? givenAuxB : orthonormalColumns(in, b, w0.dataType()).transpose().dup('c'); // [b, in]
        double bound = 1 / Math.sqrt(b);
        SDVariable aTrain = sd.var(Names.param(key, "lidb_A"), Nd4j.zeros(w0.dataType(), a, o.rank()));                 // [a, r]
        SDVariable bTrain = sd.var(Names.param(key, "lidb_B"), Nd4j.rand(w0.dataType(), o.rank(), b).muli(2 * bound).subi(bound)); // [r, b]
        SDVariable delta = sd.constant(Names.param(key, "lidb_A_aux_c"), auxA).mmul(aTrain).mmul(bTrain)
                .mmul(sd.constant(Names.param(key, "lidb_B_aux_c"), auxB));                                            // [out, in]
        SDVariable w = sd.constant(Names.param(key, "lidb_base"), w0).add(delta);
        return new AdaptedWeight(key, "lidb", w, List.of(new AdapterParameter(aTrain.name(), aTrain, ParamKind.EUCLIDEAN),
                new AdapterParameter(bTrain.name(), bTrain, ParamKind.EUCLIDEAN)), w0,
                Map.of(Names.param(key, "lidb_A_aux"), auxA, Names.param(key, "lidb_B_aux"), auxB), null);
    }

    private static INDArray orthonormalColumns(long n, int k, DataType type) {
        return Qr.qr(Nd4j.randn(DataType.DOUBLE, n, k)).q().castTo(type).dup('c');
    }

    /** LiDB's settings: the inner rank r and the auxiliary widths a (A_aux columns) and b (B_aux rows). */
    public record Config(int rank, int auxA, int auxB) {
        public Config {
            if (auxA < 1 || auxB < 1 || rank < 1) throw new IllegalArgumentException("LiDB sizes must be >= 1, got a=" + auxA + " b=" + auxB + " r=" + rank);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "lidb"; }
        public String peftType() { return "SPECTUNE_LIDB"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(f.rankOr(1), f.lidbA(), f.lidbB()); }      // the paper's r = 1

        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return (sd, key, w0) -> build(sd, key, w0, new Options(c.auxA(), c.auxB(), c.rank(), x.seed()),
                    x.stored().get(Names.param(key, "lidb_A_aux")), x.stored().get(Names.param(key, "lidb_B_aux")));
        }

        public long parameters(Config c, String key, long out, long in) {
            return (long) c.rank() * (Math.min(c.auxA(), out) + Math.min(c.auxB(), in));
        }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("lidb", new Config(2, 8, 12)); }
    };
}
