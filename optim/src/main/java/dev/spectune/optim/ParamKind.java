/* ParamKind: how a trainable parameter lives — in Euclidean space, or on the Stiefel manifold (XᵀX = I). */
package dev.spectune.optim;

public enum ParamKind {
    EUCLIDEAN,
    STIEFEL
}
