/**
 * The one place where weight names are converted between layouts: diffusers folders, original
 * CompVis/LDM single-file checkpoints, and the pre-0.14 diffusers VAE attention names. (kohya and
 * peft adapter key formats join here when the adapters module needs them.)
 */
package dev.spectune.checkpoint.names;
