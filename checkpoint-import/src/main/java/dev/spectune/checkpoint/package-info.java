/** Reading model weights: safetensors, diffusers folders, single-file checkpoints, key maps, the CLIP tokenizer (issue 3). */
package dev.spectune.checkpoint;
