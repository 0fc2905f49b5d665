/*
 * NameMapping: every weight-name conversion spectune knows, in one file (as stable-diffusion.cpp's
 * name_conversion.cpp and diffusers' convert_from_ckpt.py / convert_diffusers_to_original_stable_diffusion.py).
 *
 * Single-file (CompVis/LDM) ↔ diffusers, per component, for SD 1.x/2.x UNets, the KL VAE and the
 * CLIP text encoder (HF layout under cond_stage_model.transformer.):
 *
 *   UNet  time_embedding.linear_1|2            time_embed.0|2
 *         conv_in / conv_norm_out / conv_out   input_blocks.0.0 / out.0 / out.2
 *         down_blocks.i.resnets.j              input_blocks.(1 + i(L+1) + j).0
 *         down_blocks.i.attentions.j           input_blocks.(1 + i(L+1) + j).1
 *         down_blocks.i.downsamplers.0.conv    input_blocks.((i+1)(L+1)).0.op
 *         mid_block.resnets.0|1, attentions.0  middle_block.0|2, middle_block.1
 *         up_blocks.i.resnets.j                output_blocks.(i(L+1) + j).0
 *         up_blocks.i.attentions.j             output_blocks.(i(L+1) + j).1
 *         up_blocks.i.upsamplers.0.conv        output_blocks.(i(L+1) + L).(2 if block i has attentions else 1).conv
 *         resnet norm1 conv1 time_emb_proj norm2 conv2 conv_shortcut
 *              = in_layers.0 in_layers.2 emb_layers.1 out_layers.0 out_layers.3 skip_connection
 *   VAE   encoder.down_blocks.i.resnets.j      encoder.down.i.block.j   (decoder.up_blocks.i ↔ decoder.up.(n−1−i))
 *         …downsamplers.0.conv / upsamplers.0.conv   …downsample.conv / upsample.conv
 *         mid_block.resnets.0|1 / attentions.0 mid.block_1|2 / mid.attn_1
 *         attention group_norm to_q to_k to_v to_out.0 = norm q k v proj_out (1x1 conv [C,C,1,1] ↔ linear [C,C])
 *         conv_shortcut / conv_norm_out        nin_shortcut / norm_out
 *   Text  text_model.*                         text_model.* (same names)
 *
 * Old diffusers VAE attention names (before 0.14): query key value proj_attn → to_q to_k to_v to_out.0.
 *
 * kohya / A1111 LoRA module names (what sd-scripts writes and A1111, ComfyUI and stable-diffusion.cpp
 * read): "lora_unet_" + the single-file UNet module path, "lora_te_" + the text-encoder module path,
 * dots as underscores, e.g. down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight →
 * lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q (+ .lora_down.weight, .lora_up.weight, .alpha).
 */
package dev.spectune.checkpoint.names;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class NameMapping {
    private NameMapping() {}

    /** A diffusers key together with its component. */
    public record Named(Component component, String key) {
        @Override
        public String toString() {
            return component.folder() + "." + key;
        }
    }

    // ---- UNet -------------------------------------------------------------------------------

    private static final Map<String, String> UNET_TOP = Map.of(
            "time_embedding.linear_1.", "time_embed.0.",
            "time_embedding.linear_2.", "time_embed.2.",
            "conv_in.", "input_blocks.0.0.",
            "conv_norm_out.", "out.0.",
            "conv_out.", "out.2.");

    private static final String[][] UNET_RESNET = {
            {"norm1.", "in_layers.0."}, {"conv1.", "in_layers.2."}, {"time_emb_proj.", "emb_layers.1."},
            {"norm2.", "out_layers.0."}, {"conv2.", "out_layers.3."}, {"conv_shortcut.", "skip_connection."}};

    private static final Pattern D_DOWN = Pattern.compile("^down_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern D_DOWNSAMPLE = Pattern.compile("^down_blocks\\.(\\d+)\\.downsamplers\\.0\\.conv\\.(.+)$");
    private static final Pattern D_MID = Pattern.compile("^mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern D_UP = Pattern.compile("^up_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern D_UPSAMPLE = Pattern.compile("^up_blocks\\.(\\d+)\\.upsamplers\\.0\\.conv\\.(.+)$");

    private static final Pattern L_INPUT = Pattern.compile("^input_blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");
    private static final Pattern L_MIDDLE = Pattern.compile("^middle_block\\.(\\d+)\\.(.+)$");
    private static final Pattern L_OUTPUT = Pattern.compile("^output_blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");

    /** diffusers UNet key → single-file key (without the model.diffusion_model. prefix). */
    public static String unetToLdm(String key, LdmLayout layout) {
        int l1 = layout.unetLayersPerBlock() + 1;
        for (var e : UNET_TOP.entrySet()) if (key.startsWith(e.getKey())) return e.getValue() + key.substring(e.getKey().length());
        Matcher m;
        if ((m = D_DOWN.matcher(key)).matches()) {
            int block = 1 + Integer.parseInt(m.group(1)) * l1 + Integer.parseInt(m.group(3));
            boolean resnet = m.group(2).equals("resnets");
            return "input_blocks." + block + (resnet ? ".0." + resnetToLdm(m.group(4)) : ".1." + m.group(4));
        }
        if ((m = D_DOWNSAMPLE.matcher(key)).matches()) {
            return "input_blocks." + (Integer.parseInt(m.group(1)) + 1) * l1 + ".0.op." + m.group(2);
        }
        if ((m = D_MID.matcher(key)).matches()) {
            boolean resnet = m.group(1).equals("resnets");
            int slot = resnet ? 2 * Integer.parseInt(m.group(2)) : 1;
            return "middle_block." + slot + "." + (resnet ? resnetToLdm(m.group(3)) : m.group(3));
        }
        if ((m = D_UP.matcher(key)).matches()) {
            int block = Integer.parseInt(m.group(1)) * l1 + Integer.parseInt(m.group(3));
            boolean resnet = m.group(2).equals("resnets");
            return "output_blocks." + block + (resnet ? ".0." + resnetToLdm(m.group(4)) : ".1." + m.group(4));
        }
        if ((m = D_UPSAMPLE.matcher(key)).matches()) {
            int i = Integer.parseInt(m.group(1));
            int slot = layout.unetUpAttention().contains(i) ? 2 : 1;
            return "output_blocks." + (i * l1 + layout.unetLayersPerBlock()) + "." + slot + ".conv." + m.group(2);
        }
        throw new IllegalArgumentException("no single-file name for diffusers UNet key '" + key + "'");
    }

    /** single-file UNet key (prefix stripped) → diffusers key. */
    public static String unetFromLdm(String key, LdmLayout layout) {
        int layers = layout.unetLayersPerBlock(), l1 = layers + 1;
        for (var e : UNET_TOP.entrySet()) if (key.startsWith(e.getValue())) return e.getKey() + key.substring(e.getValue().length());
        Matcher m;
        if ((m = L_INPUT.matcher(key)).matches()) {
            int n = Integer.parseInt(m.group(1)) - 1, slot = Integer.parseInt(m.group(2));
            String rest = m.group(3);
            int level = n / l1, j = n % l1;
            if (j == layers) {
                if (slot == 0 && rest.startsWith("op.")) return "down_blocks." + level + ".downsamplers.0.conv." + rest.substring(3);
            } else if (slot == 0) {
                return "down_blocks." + level + ".resnets." + j + "." + resnetFromLdm(rest, key);
            } else if (slot == 1) {
                return "down_blocks." + level + ".attentions." + j + "." + rest;
            }
        }
        if ((m = L_MIDDLE.matcher(key)).matches()) {
            int slot = Integer.parseInt(m.group(1));
            if (slot == 1) return "mid_block.attentions.0." + m.group(2);
            if (slot == 0 || slot == 2) return "mid_block.resnets." + slot / 2 + "." + resnetFromLdm(m.group(2), key);
        }
        if ((m = L_OUTPUT.matcher(key)).matches()) {
            int n = Integer.parseInt(m.group(1)), slot = Integer.parseInt(m.group(2));
            String rest = m.group(3);
            int level = n / l1, j = n % l1;
            if (rest.startsWith("conv.") && slot >= 1 && j == layers) return "up_blocks." + level + ".upsamplers.0." + rest;
            if (slot == 0) return "up_blocks." + level + ".resnets." + j + "." + resnetFromLdm(rest, key);
            if (slot == 1) return "up_blocks." + level + ".attentions." + j + "." + rest;
        }
        throw new IllegalArgumentException("no diffusers name for single-file UNet key '" + key + "'");
    }

    private static String resnetToLdm(String rest) {
        for (String[] r : UNET_RESNET) if (rest.startsWith(r[0])) return r[1] + rest.substring(r[0].length());
        throw new IllegalArgumentException("unknown resnet parameter '" + rest + "'");
    }

    private static String resnetFromLdm(String rest, String fullKey) {
        for (String[] r : UNET_RESNET) if (rest.startsWith(r[1])) return r[0] + rest.substring(r[1].length());
        throw new IllegalArgumentException("unknown single-file resnet parameter in '" + fullKey + "'");
    }

    // ---- VAE --------------------------------------------------------------------------------

    private static final String[][] VAE_ATTENTION = {
            {"group_norm.", "norm."}, {"to_q.", "q."}, {"to_k.", "k."}, {"to_v.", "v."}, {"to_out.0.", "proj_out."}};
    private static final String[][] VAE_OLD_ATTENTION = {
            {"query.", "to_q."}, {"key.", "to_k."}, {"value.", "to_v."}, {"proj_attn.", "to_out.0."}};

    private static final Pattern DV_BLOCK = Pattern.compile("^(encoder|decoder)\\.(down|up)_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|downsamplers\\.0|upsamplers\\.0)\\.(.+)$");
    private static final Pattern DV_MID = Pattern.compile("^(encoder|decoder)\\.mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)$");
    private static final Pattern LV_BLOCK = Pattern.compile("^(encoder|decoder)\\.(down|up)\\.(\\d+)\\.(block\\.(\\d+)|downsample|upsample)\\.(.+)$");
    private static final Pattern LV_MID = Pattern.compile("^(encoder|decoder)\\.mid\\.(block_1|block_2|attn_1)\\.(.+)$");

    /** diffusers VAE key → single-file key (without first_stage_model.). */
    public static String vaeToLdm(String key, LdmLayout layout) {
        Matcher m;
        if ((m = DV_BLOCK.matcher(key)).matches()) {
            String side = m.group(1);
            int i = Integer.parseInt(m.group(3));
            int level = side.equals("decoder") ? layout.vaeLevels() - 1 - i : i;
            String dir = side.equals("decoder") ? "up" : "down";
            String what = m.group(5) != null ? "block." + m.group(5) : (m.group(4).startsWith("down") ? "downsample" : "upsample");
            String rest = m.group(6).replace("conv_shortcut.", "nin_shortcut.");
            return side + "." + dir + "." + level + "." + what + "." + rest;
        }
        if ((m = DV_MID.matcher(key)).matches()) {
            if (m.group(2).equals("resnets")) return m.group(1) + ".mid.block_" + (Integer.parseInt(m.group(3)) + 1) + "." + m.group(4);
            return m.group(1) + ".mid.attn_1." + rename(m.group(4), VAE_ATTENTION, 0, 1, key);
        }
        if (key.startsWith("encoder.conv_norm_out.") || key.startsWith("decoder.conv_norm_out.")) {
            return key.replace(".conv_norm_out.", ".norm_out.");
        }
        if (key.matches("^(encoder|decoder)\\.(conv_in|conv_out)\\..+$") || key.matches("^(post_)?quant_conv\\..+$")) return key;
        throw new IllegalArgumentException("no single-file name for diffusers VAE key '" + key + "'");
    }

    /** single-file VAE key (prefix stripped) → diffusers key. */
    public static String vaeFromLdm(String key, LdmLayout layout) {
        Matcher m;
        if ((m = LV_BLOCK.matcher(key)).matches()) {
            String side = m.group(1);
            int level = Integer.parseInt(m.group(3));
            int i = side.equals("decoder") ? layout.vaeLevels() - 1 - level : level;
            String dir = side.equals("decoder") ? "up_blocks" : "down_blocks";
            String what = m.group(5) != null ? "resnets." + m.group(5) : (m.group(4).equals("downsample") ? "downsamplers.0" : "upsamplers.0");
            String rest = m.group(6).replace("nin_shortcut.", "conv_shortcut.");
            return side + "." + dir + "." + i + "." + what + "." + rest;
        }
        if ((m = LV_MID.matcher(key)).matches()) {
            return switch (m.group(2)) {
                case "block_1" -> m.group(1) + ".mid_block.resnets.0." + m.group(3);
                case "block_2" -> m.group(1) + ".mid_block.resnets.1." + m.group(3);
                default -> m.group(1) + ".mid_block.attentions.0." + rename(m.group(3), VAE_ATTENTION, 1, 0, key);
            };
        }
        if (key.startsWith("encoder.norm_out.") || key.startsWith("decoder.norm_out.")) return key.replace(".norm_out.", ".conv_norm_out.");
        if (key.matches("^(encoder|decoder)\\.(conv_in|conv_out)\\..+$") || key.matches("^(post_)?quant_conv\\..+$")) return key;
        throw new IllegalArgumentException("no diffusers name for single-file VAE key '" + key + "'");
    }

    /** True for the VAE attention projections that are 1x1 convs in single files and linears in diffusers. */
    public static boolean isVaeAttentionProjection(String diffusersKey) {
        return diffusersKey.matches("^(encoder|decoder)\\.mid_block\\.attentions\\.\\d+\\.(to_q|to_k|to_v|to_out\\.0)\\.weight$");
    }

    /**
     * True when a single-file shape and a diffusers shape hold the same tensor under this mapping:
     * equal, or (VAE attention projections) [C, C, 1, 1] for [C, C], or [C, 1, 1] for a bias [C]
     * (written that way by some converters).
     */
    public static boolean shapesCorrespond(Component component, String diffusersKey, long[] ldmShape, long[] diffusersShape) {
        if (java.util.Arrays.equals(ldmShape, diffusersShape)) return true;
        if (component != Component.VAE || !diffusersKey.contains("mid_block.attentions.")) return false;
        return java.util.Arrays.equals(squeezeTrailingOnes(ldmShape, diffusersShape.length), diffusersShape);
    }

    /** Drops trailing 1-dims down to {@code rank}: [C, C, 1, 1] → [C, C]. */
    public static long[] squeezeTrailingOnes(long[] shape, int rank) {
        int n = shape.length;
        while (n > rank && shape[n - 1] == 1) n--;
        return java.util.Arrays.copyOf(shape, n);
    }

    /** Pre-0.14 diffusers VAE attention names → current names; other keys unchanged. */
    public static String modernizeVaeKey(String key) {
        int at = key.indexOf(".attentions.");
        if (at < 0 || !key.contains("mid_block")) return key;
        int nameStart = key.indexOf('.', at + ".attentions.".length()) + 1;
        String head = key.substring(0, nameStart), tail = key.substring(nameStart);
        for (String[] r : VAE_OLD_ATTENTION) if (tail.startsWith(r[0])) return head + r[1] + tail.substring(r[0].length());
        return key;
    }

    private static String rename(String rest, String[][] table, int from, int to, String fullKey) {
        for (String[] r : table) if (rest.startsWith(r[from])) return r[to] + rest.substring(r[from].length());
        throw new IllegalArgumentException("unknown VAE attention parameter in '" + fullKey + "'");
    }

    // ---- whole checkpoints -------------------------------------------------------------------

    /** diffusers (component, key) → full single-file key. */
    public static String toLdm(Component component, String key, LdmLayout layout) {
        return component.ldmPrefix() + switch (component) {
            case UNET -> unetToLdm(key, layout);
            case VAE -> vaeToLdm(key, layout);
            case TEXT_ENCODER -> key;
        };
    }

    /** Full single-file key → diffusers (component, key); refuses keys of no component. */
    public static Named fromLdm(String ldmKey, LdmLayout layout) {
        for (Component c : Component.values()) {
            if (ldmKey.startsWith(c.ldmPrefix())) {
                String rest = ldmKey.substring(c.ldmPrefix().length());
                return new Named(c, switch (c) {
                    case UNET -> unetFromLdm(rest, layout);
                    case VAE -> vaeFromLdm(rest, layout);
                    case TEXT_ENCODER -> rest;
                });
            }
        }
        throw new IllegalArgumentException("single-file key '" + ldmKey + "' belongs to no known component"
                + " (expected model.diffusion_model., first_stage_model. or cond_stage_model.transformer.)");
    }

    /** Keys of single files that are not weights of the three networks (schedule buffers, EMA copies). */
    public static boolean isIgnoredLdmKey(String ldmKey) {
        return ldmKey.startsWith("model_ema.") || !ldmKey.contains(".")
                || ldmKey.equals("cond_stage_model.transformer.text_model.embeddings.position_ids");
    }

    // ---- kohya / A1111 LoRA names ------------------------------------------------------------

    /**
     * How kohya LoRA module names spell a UNet module: DIFFUSERS as kohya sd-scripts names SD-1.x/2.x
     * modules (the diffusers module path, dots as underscores: lora_unet_down_blocks_0_attentions_0_…;
     * what diffusers' kohya converter and A1111 read), or LDM as the original checkpoint's modules
     * (lora_unet_input_blocks_1_1_…; what some older tools wrote). Text-encoder names are the same in both.
     */
    public enum KohyaNames { DIFFUSERS, LDM }

    /** A diffusers UNet or text-encoder weight key → its kohya LoRA module name; {@code layout} is needed for LDM names only. */
    public static String toKohya(Component component, String weightKey, KohyaNames names, LdmLayout layout) {
        if (!weightKey.endsWith(".weight")) throw new IllegalArgumentException("kohya names exist for weights only, got '" + weightKey + "'");
        return switch (component) {
            case UNET -> "lora_unet_" + stripWeight(names == KohyaNames.LDM ? unetToLdm(weightKey, layout) : weightKey).replace('.', '_');
            case TEXT_ENCODER -> "lora_te_" + stripWeight(weightKey).replace('.', '_');
            case VAE -> throw new IllegalArgumentException("kohya LoRA files have no VAE modules");
        };
    }

    private static String stripWeight(String key) {
        return key.substring(0, key.length() - ".weight".length());
    }
}
