/*
 * Vera: vector-based random matrix adaptation (Kopiczko et al. 2024, "VeRA"), as peft's VeraLayer:
 *
 *   W = W0 + diag(λ_b)·B[:out, :]·diag(λ_d)·A[:, :in]
 *
 * A [r, max in] and B [max out, r] are frozen random projections shared by every adapted layer
 * (peft: kaiming-uniform, stored in the file as base_model.vera_A / vera_B when save_projection is
 * on; spectune always stores them). Trainable: λ_b [out] = 0 and λ_d [r] = d_initial (0.1) at init.
 * Parameters: out + r per layer.
 */
package dev.spectune.adapters;

import dev.spectune.optim.ParamKind;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

public final class Vera {
    private Vera() {}

    /** The shared projections: A [r, max in], B [max out, r]. */
    public record Projections(INDArray a, INDArray b) {
        public Projections {
            if (a.rank() != 2 || b.rank() != 2 || a.rows() != b.columns()) {
                throw new IllegalArgumentException("VeRA projections must be A [r, in] and B [out, r], got "
                        + java.util.Arrays.toString(a.shape()) + " and " + java.util.Arrays.toString(b.shape()));
            }
        }

        public int rank() {
            return (int) a.rows();
        }

        /** Kaiming-uniform (a = √5) draws as peft makes them, from our own seeded generator. */
        public static Projections random(int rank, long maxIn, long maxOut, long seed, DataType type) {
            Nd4j.getRandom().setSeed(seed);
            double boundA = 1 / Math.sqrt(maxIn), boundB = 1 / Math.sqrt(rank);
            return new Projections(Nd4j.rand(type, rank, maxIn).muli(2 * boundA).subi(boundA),
                    Nd4j.rand(type, maxOut, rank).muli(2 * boundB).subi(boundB));
        }

        /** Projections wide enough for every target weight [out, in]. */
        public static Projections forTargets(int rank, List<INDArray> targets, long seed) {
            long maxIn = targets.stream().mapToLong(INDArray::columns).max().orElseThrow();
            long maxOut = targets.stream().mapToLong(INDArray::rows).max().orElseThrow();
            return random(rank, maxIn, maxOut, seed, targets.get(0).dataType());
        }
    }

    public static AdaptedWeight build(SameDiff sd, String key, INDArray w0, Projections shared, double dInitial) {
        long out = w0.rows(), in = w0.columns();
        int r = shared.rank();
        if (shared.a().columns() < in || shared.b().rows() < out) {
            throw new IllegalArgumentException(key + ": VeRA projections A " + java.util.Arrays.toString(shared.a().shape()) + ", B "
                    + java.util.Arrays.toString(shared.b().shape()) + " are too small for a weight [" + out + ", " + in + "]");
        }
        INDArray aSlice = shared.a().get(NDArrayIndex.all(), NDArrayIndex.interval(0, in)).castTo(w0.dataType()).dup('c');   // [r, in]
        INDArray bSlice = shared.b().get(NDArrayIndex.interval(0, out), NDArrayIndex.all()).castTo(w0.dataType()).dup('c');  // [out, r]
        SDVariable lambdaB = sd.var(Names.param(key, "vera_lambda_b"), Nd4j.zeros(w0.dataType(), out));                   // [out]
        SDVariable lambdaD = sd.var(Names.param(key, "vera_lambda_d"), Nd4j.valueArrayOf(new long[] {r}, dInitial, w0.dataType())); // [r]
        SDVariable scaledB = sd.constant(Names.param(key, "vera_B_slice"), bSlice).mul(sd.reshape(lambdaB, out, 1));        // [out, r]
        SDVariable scaledA = sd.constant(Names.param(key, "vera_A_slice"), aSlice).mul(sd.reshape(lambdaD, r, 1));          // [r, in]
        SDVariable w = sd.constant(Names.param(key, "vera_base"), w0).add(scaledB.mmul(scaledA));                        // [out, in]
        return new AdaptedWeight(key, "vera", w, List.of(new AdapterParameter(lambdaB.name(), lambdaB, ParamKind.EUCLIDEAN),
                new AdapterParameter(lambdaD.name(), lambdaD, ParamKind.EUCLIDEAN)), w0, Map.of("vera_A", shared.a(), "vera_B", shared.b()), null);
    }

    /** VeRA's settings: the rank of the shared projections and the initial λ_d. */
    public record Config(int rank, double dInitial) {
        public Config {
            if (rank < 1) throw new IllegalArgumentException("VeRA rank must be >= 1, got " + rank);
        }
    }

    public static final AdapterMethod<Config> METHOD = new AdapterMethod<>() {
        public String name() { return "vera"; }
        public double stateBytesPerWeightByte() { return 0; }
        public String peftType() { return "VERA"; }
        public Class<Config> configType() { return Config.class; }
        public Config configure(AdapterFlags f) { return new Config(f.rankOr(4), f.veraDInitial()); }

        /** The projections of a saved adapter, or drawn once for all targets (sized to the widest) in prepare(). */
        public AdapterInjector.Method builder(Config c, AdapterMethod.Context x) {
            return new AdapterInjector.Method() {
                Projections projections = x.stored().containsKey("vera_A") ? new Projections(x.stored().get("vera_A"), x.stored().get("vera_B")) : null;

                @Override
                public void prepare(List<INDArray> targets) {
                    if (projections == null) projections = Projections.forTargets(c.rank(), targets, x.seed());
                }

                @Override
                public AdaptedWeight build(SameDiff sd, String key, INDArray w0) {
                    if (projections == null) throw new IllegalStateException("VeRA's projections are made in prepare(); inject through AdapterInjector");
                    return Vera.build(sd, key, w0, projections, c.dInitial());
                }
            };
        }

        public long parameters(Config c, String key, long out, long in) { return out + c.rank(); }

        public int peftRank(Config c) { return c.rank(); }

        public void writePeft(Config c, List<AdaptedWeight> layers, com.fasterxml.jackson.databind.node.ObjectNode json) {
            json.put("d_initial", c.dInitial());
            json.put("save_projection", true);
            json.put("projection_prng_key", 0);
            json.put("vera_dropout", 0.0);
        }

        public java.util.Optional<Config> readPeft(String source, com.fasterxml.jackson.databind.JsonNode c, java.util.Map<String, INDArray> tensors) {
            if (!tensors.containsKey("vera_A")) {
                throw new IllegalArgumentException(source + ": a VeRA adapter saved without its projections (save_projection=False) cannot be"
                        + " rebuilt outside torch's generator");
            }
            return java.util.Optional.of(new Config(c.path("r").asInt(), c.path("d_initial").asDouble(0.1)));
        }

        public java.util.Map<String, Config> contractVariants() { return java.util.Map.of("vera", new Config(4, 0.1)); }
    };
}
