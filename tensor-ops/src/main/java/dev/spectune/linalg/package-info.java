/**
 * Eager linear algebra on INDArrays for adapters and optimizers: thin SVD and QR/LQ through
 * LAPACK (the OpenBLAS bundled with ND4J), Cayley transforms, Kronecker products and their fast
 * mode-product application, Newton–Schulz inverse square roots and the matrix exponential.
 * No SameDiff linear-algebra op has a usable gradient in ND4J M2.1, so decompositions happen here,
 * once, outside the graph. EJML is the oracle in the tests, not the workhorse.
 */
package dev.spectune.linalg;
