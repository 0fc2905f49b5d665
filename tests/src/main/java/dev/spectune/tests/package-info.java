/** Cross-module parity and end-to-end tests live under src/test of this module. */
package dev.spectune.tests;
