/*
 * AdapterSpec: everything that defines an adapter apart from its trained values — the method and
 * its options — validated, and able to build the method for the injector. It is what
 * adapter_config.json records, so a saved adapter can be rebuilt on any graph of the same model.
 *
 *   method        soda-svd | soda-qr | spectral-a | spectral-r | svdiff | lora | dora | oft | boft | vera | lidb | loha | lokr | hra | ia3
 *   rank, alpha   LoRA/DoRA/LoHa rank and alpha (rsLoRA scales by α/√r; LoKr scales by α/r); Spectral
 *                 Adapter rank r; VeRA rank; OFT's and BOFT's number of blocks; LiDB's inner rank; HRA's reflections
 *   columnBlock   Spectral Adapter column block i (columns [i·r, (i+1)·r); 0 = top r)
 *   initialDelta  SODA's δ0 (0 = exact identity, 1e-3 = the authors' code); relu on or off
 *   side          SODA rotation side; factorMode and factorCount for the Kronecker planner
 *   more          the options of OFT, VeRA and LiDB (see {@link More})
 */
package dev.spectune.adapters;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

public record AdapterSpec(String method, int rank, double alpha, boolean rsLora, int columnBlock, double initialDelta, boolean relu,
                          RotationSide side, KroneckerFactorPlanner.Mode factorMode, int factorCount, long seed, More more) {

    public static final List<String> METHODS = List.of("soda-svd", "soda-qr", "spectral-a", "spectral-r", "svdiff", "lora", "dora", "oft", "boft", "vera", "lidb", "loha", "lokr", "hra", "ia3");

    /**
     * @param oftLayout     peft 0.17 (input side, packed skew blocks) or 0.13 (output side, full blocks)
     * @param oftBlockSize  OFT block size b (blocks = dimension / b, as peft's oft_block_size), or 0 to use rank as the block count
     * @param neumannTerms  OFT's Cayley–Neumann terms (0 = exact Cayley)
     * @param coftEps       COFT radius (0 = plain OFT)
     * @param blockShare    OFT: one block shared by all
     * @param veraDInitial  VeRA's initial λ_d
     * @param lidbAuxA      LiDB's a (A_aux columns), lidbAuxB its b (B_aux rows)
     * @param spectralColumns  the Spectral Adapter's column set: null (the column block), "top", "bottom", "block:i" or a list "0,5,9,12"
     * @param spectralStiefel  Spectral R's rotations as Stiefel parameters instead of Cayley transforms
     * @param ia3Feedforward   IA3: regex of the weight keys that are feed-forward layers (their input is scaled), or null for none
     * @param boftButterflyFactors  BOFT's number of butterfly factors m (1: block-diagonal OFT); its block size is oftBlockSize
     */
    public record More(Oft.Layout oftLayout, int oftBlockSize, int neumannTerms, double coftEps, boolean blockShare, double veraDInitial, int lidbAuxA, int lidbAuxB,
                       String spectralColumns, boolean spectralStiefel, String ia3Feedforward, int boftButterflyFactors) {
        public More {
            if (oftLayout == null) oftLayout = Oft.Layout.PEFT_0_17;
            if (spectralColumns != null && spectralColumns.isBlank()) spectralColumns = null;
            if (ia3Feedforward != null && ia3Feedforward.isBlank()) ia3Feedforward = null;
            if (spectralColumns != null) SpectralAdapter.Columns.parse(spectralColumns, 1);     // fail early on a malformed set
            if (oftBlockSize < 0) throw new IllegalArgumentException("OFT block size must be >= 0, got " + oftBlockSize);
            if (lidbAuxA < 1 || lidbAuxB < 1) throw new IllegalArgumentException("LiDB a and b must be >= 1, got " + lidbAuxA + ", " + lidbAuxB);
            if (boftButterflyFactors < 1) throw new IllegalArgumentException("BOFT needs at least one butterfly factor, got " + boftButterflyFactors);
        }

        /** peft's defaults (OFT 0.17 with 5 Neumann terms, VeRA d_initial 0.1) and the LiDB paper's a = 100, b = 50. */
        public static More defaults() {
            return new More(Oft.Layout.PEFT_0_17, 0, 5, 0, false, 0.1, 100, 50, null, false, null, 1);
        }

        /** All but BOFT's butterfly factors (1). */
        public More(Oft.Layout oftLayout, int oftBlockSize, int neumannTerms, double coftEps, boolean blockShare, double veraDInitial, int lidbAuxA, int lidbAuxB,
                    String spectralColumns, boolean spectralStiefel, String ia3Feedforward) {
            this(oftLayout, oftBlockSize, neumannTerms, coftEps, blockShare, veraDInitial, lidbAuxA, lidbAuxB, spectralColumns, spectralStiefel, ia3Feedforward, 1);
        }

        /** All but IA3's feed-forward set. */
        public More(Oft.Layout oftLayout, int oftBlockSize, int neumannTerms, double coftEps, boolean blockShare, double veraDInitial, int lidbAuxA, int lidbAuxB,
                    String spectralColumns, boolean spectralStiefel) {
            this(oftLayout, oftBlockSize, neumannTerms, coftEps, blockShare, veraDInitial, lidbAuxA, lidbAuxB, spectralColumns, spectralStiefel, null);
        }

        /** The peft-era options alone (OFT, VeRA, LiDB), the Spectral Adapter's at their defaults. */
        public More(Oft.Layout oftLayout, int oftBlockSize, int neumannTerms, double coftEps, boolean blockShare, double veraDInitial, int lidbAuxA, int lidbAuxB) {
            this(oftLayout, oftBlockSize, neumannTerms, coftEps, blockShare, veraDInitial, lidbAuxA, lidbAuxB, null, false, null);
        }

        public More withVeraDInitial(double d) {
            return new More(oftLayout, oftBlockSize, neumannTerms, coftEps, blockShare, d, lidbAuxA, lidbAuxB, spectralColumns, spectralStiefel, ia3Feedforward, boftButterflyFactors);
        }

        public More withIa3Feedforward(String regex) {
            return new More(oftLayout, oftBlockSize, neumannTerms, coftEps, blockShare, veraDInitial, lidbAuxA, lidbAuxB, spectralColumns, spectralStiefel, regex, boftButterflyFactors);
        }

        public More withBoft(int blockSize, int butterflyFactors) {
            return new More(oftLayout, blockSize, neumannTerms, coftEps, blockShare, veraDInitial, lidbAuxA, lidbAuxB, spectralColumns, spectralStiefel, ia3Feedforward, butterflyFactors);
        }
    }

    public AdapterSpec {
        if (!METHODS.contains(method)) throw new IllegalArgumentException("unknown adapter method '" + method + "' (choose one of " + METHODS + ")");
        if (rank < 1) throw new IllegalArgumentException("rank must be >= 1, got " + rank);
        if (factorCount < 1) throw new IllegalArgumentException("factor count must be >= 1, got " + factorCount);
        if (columnBlock < 0) throw new IllegalArgumentException("column block must be >= 0, got " + columnBlock);
        if (side == null) side = RotationSide.INPUT;
        if (factorMode == null) factorMode = KroneckerFactorPlanner.Mode.AUTHORS;
        if (more == null) more = More.defaults();
    }

    public AdapterSpec(String method, int rank, double alpha, boolean rsLora, int columnBlock, double initialDelta, boolean relu,
                       RotationSide side, KroneckerFactorPlanner.Mode factorMode, int factorCount, long seed) {
        this(method, rank, alpha, rsLora, columnBlock, initialDelta, relu, side, factorMode, factorCount, seed, More.defaults());
    }

    /**
     * A method's defaults: SODA δ0 = 0 with ReLU, input side, authors' factor table (balanced
     * elsewhere), m = 3; rank 4 (LiDB: the paper's r = 1); α = rank.
     */
    public static AdapterSpec defaults(String method) {
        int rank = method.equals("lidb") ? 1 : 4;
        return new AdapterSpec(method, rank, rank, false, 0, 0.0, true, RotationSide.INPUT, KroneckerFactorPlanner.Mode.AUTHORS, 3, 0);
    }

    public AdapterSpec withRank(int r) {
        return new AdapterSpec(method, r, alpha, rsLora, columnBlock, initialDelta, relu, side, factorMode, factorCount, seed, more);
    }

    public AdapterSpec withMore(More m) {
        return new AdapterSpec(method, rank, alpha, rsLora, columnBlock, initialDelta, relu, side, factorMode, factorCount, seed, m);
    }

    /** The Spectral Adapter's columns J: the More column set, else the column block. */
    public SpectralAdapter.Columns spectralColumns() {
        return more.spectralColumns() == null ? new SpectralAdapter.Columns(rank, columnBlock, null) : SpectralAdapter.Columns.parse(more.spectralColumns(), rank);
    }

    /** OFT's block count for a weight: rank, or the rotated dimension / the block size. */
    int oftBlocks(INDArray w0) {
        if (more.oftBlockSize() == 0) return rank;
        long dim = more.oftLayout() == Oft.Layout.PEFT_0_17 ? w0.columns() : w0.rows();
        if (dim % more.oftBlockSize() != 0) throw new IllegalArgumentException("OFT block size " + more.oftBlockSize() + " does not divide " + dim);
        return (int) (dim / more.oftBlockSize());
    }

    /** The builder the injector calls for each selected weight W0 [out, in]. */
    public AdapterInjector.Method builder() {
        return builder(Map.of());
    }

    /**
     * As {@link #builder()}, reusing frozen tensors read from an adapter file (VeRA's vera_A/vera_B,
     * LiDB's per-layer auxiliary matrices) instead of drawing them.
     */
    public AdapterInjector.Method builder(Map<String, INDArray> buffers) {
        return builder(buffers, Decompositions.FRESH);
    }

    /** As {@link #builder(Map)}, taking the SVDs of SODA-SVD, the Spectral Adapter and SVDiff from {@code svds}. */
    public AdapterInjector.Method builder(Map<String, INDArray> buffers, Decompositions svds) {
        return new AdapterInjector.Method() {
            Vera.Projections projections = buffers.containsKey("vera_A") ? new Vera.Projections(buffers.get("vera_A"), buffers.get("vera_B")) : null;

            @Override
            public void prepare(List<INDArray> targets) {
                if (method.equals("vera") && projections == null) projections = Vera.Projections.forTargets(rank, targets, seed);
            }

            @Override
            public AdaptedWeight build(SameDiff sd, String key, INDArray w0) {
                return switch (method) {
                    case "soda-svd" -> SodaSvd.build(sd, key, w0, svds.svd(key, w0), new SodaSvd.Options(initialDelta, relu, side,
                            side == RotationSide.OUTPUT ? null : KroneckerFactorPlanner.plan((int) w0.columns(), factorCount, factorMode),
                            side == RotationSide.INPUT ? null : KroneckerFactorPlanner.plan((int) w0.rows(), factorCount, factorMode)));
                    case "soda-qr" -> SodaQr.build(sd, key, w0, KroneckerFactorPlanner.plan((int) w0.columns(), factorCount, factorMode));
                    case "spectral-a" -> SpectralAdapter.build(sd, key, w0, svds.svd(key, w0), SpectralAdapter.Kind.ADDITIVE, spectralColumns());
                    case "spectral-r" -> SpectralAdapter.build(sd, key, w0, svds.svd(key, w0),
                            more.spectralStiefel() ? SpectralAdapter.Kind.ROTATIONAL_STIEFEL : SpectralAdapter.Kind.ROTATIONAL, spectralColumns());
                    case "svdiff" -> Svdiff.build(sd, key, w0, svds.svd(key, w0));
                    case "lora" -> Lora.build(sd, key, w0, new Lora.Options(rank, alpha, rsLora, seed));
                    case "dora" -> Dora.build(sd, key, w0, new Lora.Options(rank, alpha, rsLora, seed));
                    case "oft" -> Oft.build(sd, key, w0, new Oft.Options(oftBlocks(w0), more.oftLayout(), more.neumannTerms(), more.coftEps(), more.blockShare()));
                    case "boft" -> Boft.build(sd, key, w0, buffers.containsKey(Names.param(key, "boft_R"))
                            ? Boft.Options.ofStored(buffers.get(Names.param(key, "boft_R")).shape())                 // a stored adapter: its own shape
                            : new Boft.Options(more.oftBlockSize(), more.oftBlockSize() == 0 ? rank : 0, more.boftButterflyFactors()));
                    case "vera" -> {
                        if (projections == null) throw new IllegalStateException("VeRA's projections are made in prepare(); inject through AdapterInjector");
                        yield Vera.build(sd, key, w0, projections, more.veraDInitial());
                    }
                    case "lidb" -> Lidb.build(sd, key, w0, new Lidb.Options(more.lidbAuxA(), more.lidbAuxB(), rank, seed),
                            buffers.get(Names.param(key, "lidb_A_aux")), buffers.get(Names.param(key, "lidb_B_aux")));
                    case "loha" -> Loha.build(sd, key, w0, rank, alpha, seed);
                    case "lokr" -> Lokr.build(sd, key, w0, alpha / rank, seed);
                    case "hra" -> Hra.build(sd, key, w0, rank, seed);
                    case "ia3" -> Ia3.build(sd, key, w0, more.ia3Feedforward() != null && key.matches(more.ia3Feedforward()));
                    default -> throw new IllegalStateException(method);
                };
            }
        };
    }
}
