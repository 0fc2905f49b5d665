/** CLIP text encoder, UNet2DConditionModel and AutoencoderKL as SameDiff graphs (issue 4). */
package dev.spectune.model;
