/**
 * The safetensors format (huggingface/safetensors, docs "format"): an 8-byte little-endian header
 * length N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets} plus an optional
 * "__metadata__" string map, then the raw little-endian tensor bytes. Reading memory-maps the file
 * (any size) and decodes tensors lazily by name; writing goes to a temporary file then a rename.
 */
package dev.spectune.checkpoint.safetensors;
