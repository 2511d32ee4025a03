package dev.ferry.eval;

import dev.ferry.platform.AtomicFiles;
import dev.ferry.InputException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Small PNG thumbnails for the report's gallery ({@link GalleryItem}). */
public final class Thumbnails {
    /** A thumbnail side that stays sharp in the gallery's 160-pixel cells on high-DPI screens. */
    public static final int DEFAULT_MAX_SIDE = 256;

    private Thumbnails() {}

    /**
     * Scales an image down so its longer side is at most {@code maxSide}, keeping the aspect
     * ratio (smaller images keep their size), and encodes it as PNG.
     *
     * @param image the image
     * @param maxSide the longest side in pixels, at least 1
     * @return the PNG bytes
     */
    public static byte[] png(BufferedImage image, int maxSide) {
        ChartStyle.headless();
        if (maxSide < 1) {
            throw new IllegalArgumentException("thumbnail: side " + maxSide + " is not positive");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        boolean alpha = image.getColorModel().hasAlpha();
        BufferedImage current = image;
        int cw = w;
        int ch = h;
        // Halve step by step: one bilinear jump from a large photo to a thumbnail skips most
        // source pixels and aliases badly.
        do {
            cw = Math.max(tw, cw / 2);
            ch = Math.max(th, ch / 2);
            if (cw == tw || ch == th) {
                cw = tw;
                ch = th;
            }
            current = resize(current, cw, ch, alpha);
        } while (cw != tw || ch != th);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(current, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a thumbnail as PNG", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads an image file (any format ImageIO can read, JPEG/PNG/WebP/TIFF/BMP with ferry's
     * plug-ins) and makes a PNG thumbnail of it.
     *
     * @param file the image file
     * @param maxSide the longest side in pixels
     * @return the PNG bytes
     * @throws InputException if the file cannot be read or is not an image
     */
    public static byte[] png(Path file, int maxSide) {
        ChartStyle.headless();
        BufferedImage image;
        // ImageIO.read(InputStream) leaves the stream open, so close it here.
        try (InputStream in = Files.newInputStream(file)) {
            image = ImageIO.read(in);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read image: " + AtomicFiles.reason(e), e);
        }
        if (image == null) {
            throw new InputException(file + ": not an image in a readable format");
        }
        return png(image, maxSide);
    }

    private static BufferedImage resize(BufferedImage src, int w, int h, boolean alpha) {
        BufferedImage dst = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return dst;
    }
}
