/* Component: the three networks of a Stable Diffusion checkpoint, with their folder and LDM prefixes. */
package dev.spectune.checkpoint.names;

public enum Component {
    UNET("unet", "model.diffusion_model."),
    VAE("vae", "first_stage_model."),
    TEXT_ENCODER("text_encoder", "cond_stage_model.transformer.");

    private final String folder;
    private final String ldmPrefix;

    Component(String folder, String ldmPrefix) {
        this.folder = folder;
        this.ldmPrefix = ldmPrefix;
    }

    /** The diffusers sub-folder name (unet, vae, text_encoder). */
    public String folder() {
        return folder;
    }

    /** The key prefix in a single-file checkpoint. */
    public String ldmPrefix() {
        return ldmPrefix;
    }
}
