/**
 * Optimizers that update parameter INDArrays in place from gradients SameDiff computed: AdamW and
 * SGD with momentum for Euclidean parameters, the momentum Stiefel SGD/Adam of Kong, Wang &amp; Tao
 * (ICLR 2023) for orthonormal factors; learning-rate schedules, global-norm clipping, and exact
 * state save/load. Each parameter is routed by the kind its adapter declares.
 */
package dev.spectune.optim;
