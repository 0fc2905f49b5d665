/** Process-wide facts: the ND4J build in use, the CPU, fixture locations and tolerances. */
package dev.spectune.runtime;
