package dev.ferry.data;

import java.util.Objects;

/**
 * The torchvision 0.14 functional transforms ferry needs, on {@link RgbImage} (the PIL code
 * paths of {@code torchvision.transforms.functional}), plus ToTensor + Normalize into float
 * buffers.
 */
public final class Torchvision {

    private Torchvision() {
    }

    /**
     * {@code F._compute_resized_output_size} for an int size: the shorter side becomes
     * {@code size}, the longer {@code int(size * long / short)} (truncated). Returns
     * {@code {width, height}}.
     */
    public static int[] resizedSize(int width, int height, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("resize must be positive, got " + size);
        }
        boolean wide = width > height; // torchvision: short, long = (w, h) if w <= h else (h, w)
        int shortSide = wide ? height : width;
        int longSide = wide ? width : height;
        // Python: int(requested_new_short * long / short): exact int product, then a correctly
        // rounded double division, then truncation. The product fits a long; as a double it is
        // exact below 2^53, which any real image size is.
        int newLong = (int) ((double) ((long) size * longSide) / shortSide);
        return wide ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /**
     * {@code F.resize(img, size)} with an int size (shorter side), PIL path: unchanged when the
     * size already matches, otherwise Pillow's resize with the given filter.
     */
    public static RgbImage resize(RgbImage image, int size, Interpolation interpolation) {
        int[] wh = resizedSize(image.width(), image.height(), size);
        if (wh[0] == image.width() && wh[1] == image.height()) {
            return image;
        }
        return PillowResize.resize(image, wh[0], wh[1], interpolation);
    }

    /**
     * {@code F.center_crop}: pads with zeros (black) when the crop is larger than the image, split
     * as torchvision does ({@code (crop - size) // 2} before, the rest after), then crops at
     * {@code int(round((size - crop) / 2.0))}, Python's round being round-half-to-even.
     */
    public static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        Objects.requireNonNull(image, "image");
        if (cropHeight < 1 || cropWidth < 1) {
            throw new IllegalArgumentException("crop size must be positive, got " + cropWidth + "x" + cropHeight);
        }
        RgbImage img = image;
        if (cropWidth > img.width() || cropHeight > img.height()) {
            int left = cropWidth > img.width() ? (cropWidth - img.width()) / 2 : 0;
            int top = cropHeight > img.height() ? (cropHeight - img.height()) / 2 : 0;
            int right = cropWidth > img.width() ? (cropWidth - img.width() + 1) / 2 : 0;
            int bottom = cropHeight > img.height() ? (cropHeight - img.height() + 1) / 2 : 0;
            img = img.crop(-left, -top, img.width() + left + right, img.height() + top + bottom);
            if (img.width() == cropWidth && img.height() == cropHeight) {
                return img;
            }
        }
        return img.crop(centerCropOffset(img.width(), cropWidth), centerCropOffset(img.height(), cropHeight),
                cropWidth, cropHeight);
    }

    /** {@code int(round((size - crop) / 2.0))} with Python's round-half-to-even: where a center crop starts. */
    static int centerCropOffset(int size, int crop) {
        return (int) Math.rint((size - crop) / 2.0);
    }

    /**
     * {@code F.resized_crop(img, top, left, height, width, [size, size])}: PIL crop (black outside
     * the image), then Pillow resize to {@code size x size}.
     */
    public static RgbImage resizedCrop(RgbImage image, CropBox box, int size, Interpolation interpolation) {
        RgbImage cropped = image.crop(box.left(), box.top(), box.width(), box.height());
        return PillowResize.resize(cropped, size, size, interpolation);
    }

    /**
     * {@code ToTensor()} then {@code Normalize(mean, std)} into {@code dst} at {@code offset}, CHW:
     * {@code ((v / 255f) - mean[c]) / std[c]} in float32, the operations and rounding torch
     * performs ({@code img.to(float32).div(255)}, {@code sub_(mean).div_(std)} with float32
     * mean/std tensors).
     */
    public static void toNormalizedTensor(RgbImage image, float[] mean, float[] std, float[] dst, int offset) {
        int plane = image.width() * image.height();
        if (dst.length - offset < plane * 3) {
            throw new IllegalArgumentException("destination too small for a " + image.width() + "x" + image.height()
                    + " image at offset " + offset);
        }
        byte[] rgb = image.rgb();
        // One lookup table per channel: the float result depends only on the byte value.
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c][v] = (v / 255f - mean[c]) / std[c];
            }
        }
        for (int c = 0; c < 3; c++) {
            float[] table = lut[c];
            int base = offset + c * plane;
            for (int i = 0, s = c; i < plane; i++, s += 3) {
                dst[base + i] = table[rgb[s] & 0xFF];
            }
        }
    }
}
