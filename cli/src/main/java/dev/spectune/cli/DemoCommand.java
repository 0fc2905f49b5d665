/*
 * DemoCommand: `spectune demo` — the README's main job. The full demo (teach a small embedded
 * model a subject with SODA and sample it before and after) arrives with the training issue;
 * until then it says what exists and shows the spectral machinery SODA is built on, on a random
 * SD-1.5-shaped attention weight: W0 = U·diag(σ)·Vᵀ, a Kronecker rotation R = Q1⊗Q2⊗Q3 of the
 * input side, and W = U·diag(ReLU(σ+δ))·Vᵀ·Rᵀ, with the identity at init checked numerically.
 */
package dev.spectune.cli;

import dev.spectune.linalg.Cayley;
import dev.spectune.linalg.Kronecker;
import dev.spectune.linalg.Matrices;
import dev.spectune.linalg.Svd;
import dev.spectune.runtime.Nd4jRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Show what spectune can do now (the full DreamBooth demo arrives with training).")
public final class DemoCommand implements Runnable {

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        System.out.println("spectune demo: what exists in this build");
        System.out.println("  tensor-ops        done: linear, conv2d, group/layer norm, exact GELU/GEGLU, quick-GELU, SiLU,");
        System.out.println("                    softmax, multi-head attention, 2x upsample, timestep embedding, concat, dropout;");
        System.out.println("                    eager SVD (gesdd), QR/LQ, Cayley, Kronecker, Newton-Schulz, expm");
        System.out.println("  checkpoint-import, diffusion-model, adapters, optim, training: not yet built (issues 3-8)");
        System.out.println();

        Nd4jRuntime.init();
        Nd4j.getRandom().setSeed(seed);
        int out = 320, in = 768;                      // SD-1.5 attn2.to_k at the first level: [320, 768]
        INDArray w0 = Nd4j.randn(DataType.DOUBLE, out, in).divi(Math.sqrt(in));   // [320, 768]
        long t0 = System.nanoTime();
        Svd svd = Svd.of(w0);
        double svdMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf("SODA building blocks on a random [%d, %d] weight (SD-1.5 attn2.to_k shape):%n", out, in);
        System.out.printf("  thin SVD by LAPACK gesdd in %.0f ms: sigma_max %.4f, sigma_min %.4f, reconstruction error %.2e%n",
                svdMs, svd.s().getDouble(0), svd.s().getDouble(svd.s().length() - 1),
                Matrices.relativeError(svd.reconstruct(), w0));

        int[] factors = {6, 8, 16};                   // the SODA authors' table for 768
        INDArray[] identity = new INDArray[factors.length];
        INDArray[] rotated = new INDArray[factors.length];
        for (int i = 0; i < factors.length; i++) {
            identity[i] = Nd4j.eye(factors[i]).castTo(DataType.DOUBLE);
            INDArray skew = Cayley.skewPart(Nd4j.randn(DataType.DOUBLE, factors[i], factors[i]).muli(0.05));
            rotated[i] = Cayley.minusPlus(skew);
        }
        INDArray delta = Nd4j.zeros(DataType.DOUBLE, svd.s().length());
        INDArray atInit = soda(svd, delta, identity);
        System.out.printf("  SODA at init (delta = 0, R = I): ||W - W0|| / ||W0|| = %.2e%n", Matrices.relativeError(atInit, w0));
        INDArray step = Nd4j.randn(DataType.DOUBLE, svd.s().length()).muli(0.01);
        INDArray moved = soda(svd, step, rotated);
        INDArray fullR = Kronecker.product(rotated);
        System.out.printf("  R = Q1(6)xQ2(8)xQ3(16) from Cayley: orthogonality error %.2e, applied by mode products%n",
                Matrices.orthogonalityError(fullR));
        System.out.printf("  after a small step: ||W - W0|| / ||W0|| = %.3f, singular values of W within %.2e of ReLU(sigma + delta)%n",
                Matrices.relativeError(moved, w0), spectrumGap(moved, svd.s().add(step)));
    }

    /** W = U·diag(ReLU(σ+δ))·Vᵀ·Rᵀ, R applied to the rows of U·diag·Vᵀ from the right. */
    private static INDArray soda(Svd svd, INDArray delta, INDArray[] factors) {
        INDArray sigma = Transforms.relu(svd.s().add(delta), true);
        INDArray w = svd.u().mulRowVector(sigma).mmul(svd.vt());         // [out, in]
        return Kronecker.applyToRows(w, factors);                         // [out, in] = W·Rᵀ
    }

    /** max |σ_i(W) − sort(ReLU(σ+δ))_i|: rotating the input side leaves the singular values unchanged. */
    private static double spectrumGap(INDArray w, INDArray shifted) {
        double[] expected = Transforms.relu(shifted, true).toDoubleVector();
        java.util.Arrays.sort(expected);
        double[] actual = Svd.of(w).s().toDoubleVector();
        double gap = 0;
        for (int i = 0; i < actual.length; i++) gap = Math.max(gap, Math.abs(actual[i] - expected[expected.length - 1 - i]));
        return gap;
    }
}
