/** Optimizers: AdamW, momentum Stiefel SGD/Adam, schedules and clipping (issue 7). */
package dev.spectune.optim;
