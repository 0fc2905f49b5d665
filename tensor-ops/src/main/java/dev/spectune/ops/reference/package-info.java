/**
 * Readable double-precision references of every op in {@code dev.spectune.ops}, written as plain
 * loops with no ND4J, in the spirit of llm.c's reference kernels. Tests check the SameDiff ops
 * against these.
 */
package dev.spectune.ops.reference;
