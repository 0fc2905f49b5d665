/*
 * ProceduralSubject: a "subject" drawn by code, so the demo needs no download — a red disc with a
 * yellow five-pointed star on it, on a blue-grey background, at a few positions and sizes (the
 * way DreamBooth photos show one object in a few views).
 */
package dev.spectune.training.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

public final class ProceduralSubject {
    private ProceduralSubject() {}

    public static BufferedImage draw(int size, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(70 + r.nextInt(20), 90 + r.nextInt(20), 140 + r.nextInt(20)));
        g.fillRect(0, 0, size, size);
        double radius = size * (0.28 + 0.06 * r.nextDouble());
        double cx = size / 2.0 + (r.nextDouble() - 0.5) * size * 0.2, cy = size / 2.0 + (r.nextDouble() - 0.5) * size * 0.2;
        g.setColor(new Color(210, 40, 40));
        g.fillOval((int) (cx - radius), (int) (cy - radius), (int) (2 * radius), (int) (2 * radius));
        Polygon star = new Polygon();
        for (int i = 0; i < 10; i++) {
            double a = -Math.PI / 2 + i * Math.PI / 5, rr = (i % 2 == 0 ? 0.8 : 0.35) * radius;
            star.addPoint((int) Math.round(cx + rr * Math.cos(a)), (int) Math.round(cy + rr * Math.sin(a)));
        }
        g.setColor(new Color(250, 215, 40));
        g.fillPolygon(star);
        g.setStroke(new BasicStroke(1f));
        g.dispose();
        return img;
    }

    /** Writes {@code count} views as PNGs into {@code folder}. */
    public static void writeViews(Path folder, int count, int size) throws IOException {
        Files.createDirectories(folder);
        for (int i = 0; i < count; i++) ImageIO.write(draw(size, 100 + i), "png", folder.resolve(String.format("view%02d.png", i)).toFile());
    }
}
