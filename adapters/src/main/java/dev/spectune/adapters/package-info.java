/**
 * Adapters as graph transforms: a selected layer's constant weight W0 is replaced, in the same
 * SameDiff graph, by a differentiable reparameterisation W(θ) — SODA (SVD and QR/LQ), the Spectral
 * Adapter (additive and rotational), SVDiff and LoRA — and only θ is trainable. Decompositions are
 * computed eagerly (dev.spectune.linalg) once.
 */
package dev.spectune.adapters;
