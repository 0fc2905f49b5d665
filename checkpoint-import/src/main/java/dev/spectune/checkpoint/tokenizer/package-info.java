/**
 * A readable Java port of CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py and
 * transformers' CLIPTokenizer), with the text cleaning Stable Diffusion's slow tokenizer applies
 * (ftfy.fix_text, whitespace collapsing, lowercasing).
 */
package dev.spectune.checkpoint.tokenizer;
