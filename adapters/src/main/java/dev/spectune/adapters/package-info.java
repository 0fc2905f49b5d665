/** Adapters as graph transforms: SODA, Spectral Adapter and baselines (issue 6). */
package dev.spectune.adapters;
