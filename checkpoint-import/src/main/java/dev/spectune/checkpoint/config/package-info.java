/**
 * Model configs as validated records, read from diffusers/transformers config.json files
 * ({@code fromJson}: unknown fields ignored, missing required ones an error) or detected from
 * weight shapes ({@code detectFromWeights}) when a single-file checkpoint comes without one.
 */
package dev.spectune.checkpoint.config;
