package dev.ferry.data;

/**
 * A crop rectangle in torchvision's order {@code (i, j, h, w)}.
 *
 * @param top    first row (torchvision's {@code i})
 * @param left   first column ({@code j})
 * @param height rows ({@code h}), at least 1
 * @param width  columns ({@code w}), at least 1
 */
public record CropBox(int top, int left, int height, int width) {

    /** Checks the size is positive. */
    public CropBox {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + width + "x" + height);
        }
    }
}
