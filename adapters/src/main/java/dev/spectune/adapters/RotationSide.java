/* RotationSide: where SODA's Kronecker rotation acts — on the input (W·Rᵀ, the authors' code), the output (R·W), or both. */
package dev.spectune.adapters;

public enum RotationSide { INPUT, OUTPUT, BOTH }
