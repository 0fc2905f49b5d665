/** Text-to-image sampling as diffusers' StableDiffusionPipeline does it, and PNG output with A1111-style parameters. */
package dev.spectune.model.pipeline;
