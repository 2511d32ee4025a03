package dev.ferry.eval;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A class-activation map drawn over the image it explains: the map through the jet colour map
 * (blue for 0, through cyan, yellow, to red for 1, as OpenCV's {@code COLORMAP_JET} that
 * pytorch-grad-cam uses) blended with the image, {@code (1 - alpha) image + alpha heat}.
 *
 * <p>Plain pixels in and PNG bytes out: the image is 8-bit interleaved RGB, the map a grid of
 * values in [0, 1] at the image's size (upsample it first), so that the rendering needs no engine.
 */
public final class Heatmap {
    /** pytorch-grad-cam's {@code show_cam_on_image} weight: half image, half heat. */
    public static final double DEFAULT_ALPHA = 0.5;

    private Heatmap() {}

    /**
     * The jet colour of {@code v} (clamped to [0, 1]) as 0xRRGGBB: each channel
     * {@code clamp(1.5 - |4v - c|)} with c = 3, 2, 1 for red, green, blue, the piecewise-linear jet.
     */
    public static int jet(double v) {
        double t = Math.max(0, Math.min(1, v));
        int r = channel(1.5 - Math.abs(4 * t - 3));
        int g = channel(1.5 - Math.abs(4 * t - 2));
        int b = channel(1.5 - Math.abs(4 * t - 1));
        return (r << 16) | (g << 8) | b;
    }

    private static int channel(double x) {
        return (int) Math.round(255 * Math.max(0, Math.min(1, x)));
    }

    /**
     * The blended pixels, 0xRRGGBB per pixel in row-major order.
     *
     * @param rgb the image, {@code width * height * 3} bytes, row-major interleaved RGB
     * @param map values in [0, 1], {@code map[y][x]}, {@code height} rows of {@code width}
     * @param alpha the heat's weight in [0, 1]
     * @throws IllegalArgumentException if the sizes disagree or alpha is out of range
     */
    public static int[] blend(byte[] rgb, int width, int height, float[][] map, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("overlay weight " + alpha + " is not in [0, 1]");
        }
        if (rgb.length != width * height * 3 || map.length != height || (height > 0 && map[0].length != width)) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image with a "
                    + (map.length == 0 ? 0 : map[0].length) + "x" + map.length + " map");
        }
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int heat = jet(map[y][x]);
                int r = mix(rgb[3 * i] & 0xff, (heat >> 16) & 0xff, alpha);
                int g = mix(rgb[3 * i + 1] & 0xff, (heat >> 8) & 0xff, alpha);
                int b = mix(rgb[3 * i + 2] & 0xff, heat & 0xff, alpha);
                out[i] = (r << 16) | (g << 8) | b;
            }
        }
        return out;
    }

    private static int mix(int image, int heat, double alpha) {
        return (int) Math.round((1 - alpha) * image + alpha * heat);
    }

    /** {@link #blend} encoded as a PNG. */
    public static byte[] overlayPng(byte[] rgb, int width, int height, float[][] map, double alpha) {
        return png(blend(rgb, width, height, map, alpha), width, height);
    }

    /** Encodes 0xRRGGBB pixels (row-major) as a PNG. */
    static byte[] png(int[] pixels, int width, int height) {
        ChartStyle.headless();
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, pixels, 0, width);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a PNG", e);
        }
        return out.toByteArray();
    }
}
