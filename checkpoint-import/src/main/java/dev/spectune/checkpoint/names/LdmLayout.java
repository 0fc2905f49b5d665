/*
 * LdmLayout: the few structural numbers that the single-file ↔ diffusers renaming depends on,
 * detected from either side's keys (stable-diffusion.cpp style: from the tensors, not a config).
 *
 *   unetLayersPerBlock   resnets per down block (up blocks have one more)
 *   unetLevels           number of down (and up) blocks
 *   unetUpAttention      indices of up blocks that have attentions (their upsampler sits at slot 2)
 *   vaeLevels            number of VAE encoder/decoder levels (decoder levels are stored reversed)
 */
package dev.spectune.checkpoint.names;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record LdmLayout(int unetLayersPerBlock, int unetLevels, Set<Integer> unetUpAttention, int vaeLevels) {

    public LdmLayout {
        if (unetLayersPerBlock < 1) throw new IllegalArgumentException("unet layers per block must be >= 1, got " + unetLayersPerBlock);
        if (unetLevels < 1) throw new IllegalArgumentException("unet levels must be >= 1, got " + unetLevels);
        if (vaeLevels < 0) throw new IllegalArgumentException("vae levels must be >= 0, got " + vaeLevels);
        unetUpAttention = Set.copyOf(unetUpAttention);
    }

    private static final Pattern DIFF_DOWN_RESNET = Pattern.compile("^down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.");
    private static final Pattern DIFF_UP_ATTN = Pattern.compile("^up_blocks\\.(\\d+)\\.attentions\\.");
    private static final Pattern DIFF_VAE_DOWN = Pattern.compile("^encoder\\.down_blocks\\.(\\d+)\\.");
    private static final Pattern LDM_INPUT = Pattern.compile("^input_blocks\\.(\\d+)\\.(\\d+)\\.(\\w+)");
    private static final Pattern LDM_OUTPUT_ATTN = Pattern.compile("^output_blocks\\.(\\d+)\\.1\\.(norm|proj_in|proj_out|transformer_blocks)\\.");
    private static final Pattern LDM_VAE_DOWN = Pattern.compile("^encoder\\.down\\.(\\d+)\\.");

    /** From diffusers keys of the UNet and VAE (either may be empty). */
    public static LdmLayout fromDiffusers(Collection<String> unetKeys, Collection<String> vaeKeys) {
        int levels = 0, layers = 0;
        Set<Integer> upAttention = new TreeSet<>();
        for (String k : unetKeys) {
            Matcher m = DIFF_DOWN_RESNET.matcher(k);
            if (m.find()) {
                levels = Math.max(levels, Integer.parseInt(m.group(1)) + 1);
                layers = Math.max(layers, Integer.parseInt(m.group(2)) + 1);
            }
            Matcher a = DIFF_UP_ATTN.matcher(k);
            if (a.find()) upAttention.add(Integer.parseInt(a.group(1)));
        }
        return new LdmLayout(Math.max(layers, 1), Math.max(levels, 1), upAttention, vaeLevels(vaeKeys, DIFF_VAE_DOWN));
    }

    /** From the keys of a single-file checkpoint, prefixes stripped (see {@link Component#ldmPrefix}). */
    public static LdmLayout fromLdm(Collection<String> unetKeys, Collection<String> vaeKeys) {
        int inputBlocks = 0;
        int downsamplers = 0;
        Set<Integer> attentionOutputBlocks = new TreeSet<>();
        Set<Integer> seenDownsampler = new TreeSet<>();
        for (String k : unetKeys) {
            Matcher m = LDM_INPUT.matcher(k);
            if (m.find()) {
                int n = Integer.parseInt(m.group(1));
                inputBlocks = Math.max(inputBlocks, n + 1);
                if ("op".equals(m.group(3)) && seenDownsampler.add(n)) downsamplers++;
            }
            Matcher a = LDM_OUTPUT_ATTN.matcher(k);
            if (a.find()) attentionOutputBlocks.add(Integer.parseInt(a.group(1)));
        }
        int levels = downsamplers + 1;
        // input blocks: conv_in, then per level L resnets, plus a downsampler on all but the last level.
        int layers = Math.max(1, (inputBlocks - 1 - downsamplers) / levels);
        Set<Integer> upAttention = new TreeSet<>();
        for (int n : attentionOutputBlocks) upAttention.add(n / (layers + 1));
        return new LdmLayout(layers, levels, upAttention, vaeLevels(vaeKeys, LDM_VAE_DOWN));
    }

    private static int vaeLevels(Collection<String> keys, Pattern downPattern) {
        int levels = 0;
        for (String k : keys) {
            Matcher m = downPattern.matcher(k);
            if (m.find()) levels = Math.max(levels, Integer.parseInt(m.group(1)) + 1);
        }
        return levels;
    }
}
