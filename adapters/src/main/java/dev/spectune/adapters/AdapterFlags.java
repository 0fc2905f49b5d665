/*
 * AdapterFlags: the adapter settings of the command line, named, with their defaults — the one
 * place `spectune train` puts what the user typed. Each method's entry reads the flags that concern
 * it (AdapterMethod.configure) into its own settings record; a flag left unset is null or its default.
 */
package dev.spectune.adapters;

public record AdapterFlags(Integer rank, Double alpha, boolean rsLora, int columnBlock, String spectralColumns, boolean spectralStiefel,
                           double sodaInitialDelta, boolean sodaRelu, RotationSide sodaSide, int sodaFactors,
                           int oftBlockSize, Oft.Layout oftLayout, int oftNeumannTerms, double coftEps, boolean oftBlockShare,
                           int boftButterflyFactors, double veraDInitial, String ia3Feedforward, int lidbA, int lidbB) {

    /** Every flag at its default: rank and alpha unset (each method's own default), SODA δ0 = 0 with ReLU on the input side and 3 factors, OFT peft 0.17 with 5 Cayley–Neumann terms, VeRA d 0.1, LiDB a = 100, b = 50. */
    public static AdapterFlags defaults() {
        return new AdapterFlags(null, null, false, 0, null, false, 0.0, true, RotationSide.INPUT, 3, 0, Oft.Layout.PEFT_0_17, 5, 0.0, false,
                1, 0.1, null, 100, 50);
    }

    public AdapterFlags {
        if (sodaSide == null) sodaSide = RotationSide.INPUT;
        if (oftLayout == null) oftLayout = Oft.Layout.PEFT_0_17;
        if (spectralColumns != null && spectralColumns.isBlank()) spectralColumns = null;
        if (ia3Feedforward != null && ia3Feedforward.isBlank()) ia3Feedforward = null;
    }

    public AdapterFlags withRank(int r) {
        return new AdapterFlags(r, alpha, rsLora, columnBlock, spectralColumns, spectralStiefel, sodaInitialDelta, sodaRelu, sodaSide, sodaFactors,
                oftBlockSize, oftLayout, oftNeumannTerms, coftEps, oftBlockShare, boftButterflyFactors, veraDInitial, ia3Feedforward, lidbA, lidbB);
    }

    /** The rank, or {@code fallback} when the flag is unset. */
    int rankOr(int fallback) {
        return rank != null ? rank : fallback;
    }

    /** The alpha, or the rank when the flag is unset (peft's lora_alpha = r convention). */
    double alphaOr(int rank) {
        return alpha != null ? alpha : rank;
    }
}
