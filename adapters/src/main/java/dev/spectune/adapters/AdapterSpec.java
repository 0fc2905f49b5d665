/*
 * AdapterSpec: everything that defines an adapter apart from its trained values — the method and
 * its options — validated, and able to build the method for the injector. It is what
 * adapter_config.json records, so a saved adapter can be rebuilt on any graph of the same model.
 *
 *   method        soda-svd | soda-qr | spectral-a | spectral-r | svdiff | lora
 *   rank, alpha   LoRA rank and alpha (rsLoRA scales by α/√r); Spectral Adapter rank r
 *   columnBlock   Spectral Adapter column block i (columns [i·r, (i+1)·r); 0 = top r)
 *   initialDelta  SODA's δ0 (0 = exact identity, 1e-3 = the authors' code); relu on or off
 *   side          SODA rotation side; factorMode and factorCount for the Kronecker planner
 */
package dev.spectune.adapters;

import java.util.List;

public record AdapterSpec(String method, int rank, double alpha, boolean rsLora, int columnBlock, double initialDelta, boolean relu,
                          RotationSide side, KroneckerFactorPlanner.Mode factorMode, int factorCount, long seed) {

    public static final List<String> METHODS = List.of("soda-svd", "soda-qr", "spectral-a", "spectral-r", "svdiff", "lora");

    public AdapterSpec {
        if (!METHODS.contains(method)) throw new IllegalArgumentException("unknown adapter method '" + method + "' (choose one of " + METHODS + ")");
        if (rank < 1) throw new IllegalArgumentException("rank must be >= 1, got " + rank);
        if (factorCount < 1) throw new IllegalArgumentException("factor count must be >= 1, got " + factorCount);
        if (columnBlock < 0) throw new IllegalArgumentException("column block must be >= 0, got " + columnBlock);
        if (side == null) side = RotationSide.INPUT;
        if (factorMode == null) factorMode = KroneckerFactorPlanner.Mode.AUTHORS;
    }

    /** A method's defaults: SODA δ0 = 0 with ReLU, input side, authors' factor table (balanced elsewhere), m = 3; rank 4; α = rank. */
    public static AdapterSpec defaults(String method) {
        return new AdapterSpec(method, 4, 4, false, 0, 0.0, true, RotationSide.INPUT, KroneckerFactorPlanner.Mode.AUTHORS, 3, 0);
    }

    public AdapterSpec withRank(int r) {
        return new AdapterSpec(method, r, alpha, rsLora, columnBlock, initialDelta, relu, side, factorMode, factorCount, seed);
    }

    /** The builder the injector calls for each selected weight W0 [out, in]. */
    public AdapterInjector.Method builder() {
        return (sd, key, w0) -> switch (method) {
            case "soda-svd" -> SodaSvd.build(sd, key, w0, new SodaSvd.Options(initialDelta, relu, side,
                    side == RotationSide.OUTPUT ? null : KroneckerFactorPlanner.plan((int) w0.columns(), factorCount, factorMode),
                    side == RotationSide.INPUT ? null : KroneckerFactorPlanner.plan((int) w0.rows(), factorCount, factorMode)));
            case "soda-qr" -> SodaQr.build(sd, key, w0, KroneckerFactorPlanner.plan((int) w0.columns(), factorCount, factorMode));
            case "spectral-a" -> SpectralAdapter.build(sd, key, w0, SpectralAdapter.Kind.ADDITIVE, new SpectralAdapter.Columns(rank, columnBlock, null));
            case "spectral-r" -> SpectralAdapter.build(sd, key, w0, SpectralAdapter.Kind.ROTATIONAL, new SpectralAdapter.Columns(rank, columnBlock, null));
            case "svdiff" -> Svdiff.build(sd, key, w0);
            case "lora" -> Lora.build(sd, key, w0, new Lora.Options(rank, alpha, rsLora, seed));
            default -> throw new IllegalStateException(method);
        };
    }
}
