/**
 * The op vocabulary every spectune model is written in: small static functions over SameDiff
 * variables, each documenting shapes and routing around the ND4J 1.0.0-M2.1 defects listed in
 * DEVELOPERS.md. Model code never calls a SameDiff op that is not reached through this package.
 * A plain-Java double-precision reference of each op lives in {@code dev.spectune.ops.reference}.
 */
package dev.spectune.ops;
