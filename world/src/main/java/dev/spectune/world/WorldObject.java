/*
 * WorldObject: one object of a scene or a prompt — a colour and a shape, or a subject token in
 * their place ("sks toy": an identifier and a class noun, for personalization prompts); size and
 * position are null where a prompt does not name them.
 */
package dev.spectune.world;

public record WorldObject(Palette colour, Shape shape, Size size, Position position, String subject) {
    public WorldObject {
        if (subject == null && (colour == null || shape == null)) throw new IllegalArgumentException("an object is a colour and a shape, or a subject token");
        if (subject != null && (colour != null || shape != null)) throw new IllegalArgumentException("a subject token stands in place of colour and shape");
    }

    public static WorldObject of(Palette colour, Shape shape, Size size, Position position) {
        return new WorldObject(colour, shape, size, position, null);
    }

    public boolean isSubject() {
        return subject != null;
    }
}
