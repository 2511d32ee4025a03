package dev.ferry.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded 8-bit RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, three
 * bytes (R, G, B) per pixel, row-major (HWC interleaved, like a PIL "RGB" image or a NumPy
 * {@code uint8[h][w][3]}).
 *
 * <p>The array is not copied: treat it as immutable once the record exists. Equality compares
 * pixels, not array identity.
 *
 * @param width  width in pixels, at least 1
 * @param height height in pixels, at least 1
 * @param rgb    {@code width * height * 3} bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Validates the dimensions against the buffer length. */
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb buffer has " + rgb.length + " bytes, expected "
                    + ((long) width * height * 3) + " for " + width + "x" + height);
        }
    }

    /** A black image of the given size. */
    public static RgbImage black(int width, int height) {
        return new RgbImage(width, height, new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)]);
    }

    /**
     * One channel value, 0..255.
     *
     * @param x column
     * @param y row
     * @param channel 0 = red, 1 = green, 2 = blue
     */
    public int get(int x, int y, int channel) {
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /**
     * The pixels of the rectangle (left, top, width, height) like PIL's {@code Image.crop}: parts
     * outside the image are black.
     */
    public RgbImage crop(int left, int top, int cropWidth, int cropHeight) {
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(cropWidth, cropHeight), 3)];
        for (int y = 0; y < cropHeight; y++) {
            int sy = top + y;
            if (sy < 0 || sy >= height) {
                continue;
            }
            int x0 = Math.max(0, -left);
            int x1 = Math.min(cropWidth, width - left);
            if (x1 > x0) {
                System.arraycopy(rgb, (sy * width + left + x0) * 3, out, (y * cropWidth + x0) * 3, (x1 - x0) * 3);
            }
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /** The image mirrored left to right (PIL's {@code FLIP_LEFT_RIGHT}). */
    public RgbImage flipHorizontal() {
        byte[] out = new byte[rgb.length];
        for (int y = 0; y < height; y++) {
            int row = y * width * 3;
            for (int x = 0; x < width; x++) {
                int s = row + x * 3;
                int d = row + (width - 1 - x) * 3;
                out[d] = rgb[s];
                out[d + 1] = rgb[s + 1];
                out[d + 2] = rgb[s + 2];
            }
        }
        return new RgbImage(width, height, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && other.width == width && other.height == height
                && Arrays.equals(other.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
