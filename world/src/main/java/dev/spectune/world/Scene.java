/*
 * Scene: what a caption says and a render shows — a background colour (null where a prompt does
 * not name it) and one or two objects.
 */
package dev.spectune.world;

import java.util.List;

public record Scene(Palette background, List<WorldObject> objects) {
    public Scene {
        objects = List.copyOf(objects);
        if (objects.isEmpty() || objects.size() > 2) throw new IllegalArgumentException("a scene has one or two objects, got " + objects.size());
        for (WorldObject o : objects) {
            if (background != null && o.colour() == background) throw new IllegalArgumentException("an object never has its background's colour (" + background.word() + ")");
        }
    }
}
