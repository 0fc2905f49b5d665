/* ModelFormat: what a path given by the user holds. */
package dev.spectune.checkpoint;

public enum ModelFormat {
    DIFFUSERS_PIPELINE("diffusers pipeline folder (model_index.json)"),
    DIFFUSERS_FOLDER("diffusers component sub-folders (no model_index.json)"),
    DIFFUSERS_COMPONENT("diffusers component folder (config.json + weights)"),
    SINGLE_FILE("single-file CompVis/LDM checkpoint"),
    SAFETENSORS("plain safetensors file");

    private final String description;

    ModelFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
