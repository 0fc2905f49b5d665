/**
 * Adapters as graph transforms: a selected layer's constant weight W0 is replaced, in the same
 * SameDiff graph, by a differentiable reparameterisation W(θ) — SODA (SVD and QR/LQ), the Spectral
 * Adapter (additive and rotational), SVDiff, LoRA, DoRA, OFT, BOFT, VeRA, LiDB, LoHa, LoKr, HRA and
 * IA3 — and only θ is trainable. Each method's file holds its registry entry (AdapterMethod);
 * AdapterMethods lists them. Decompositions are computed eagerly (dev.spectune.linalg) once.
 */
package dev.spectune.adapters;
