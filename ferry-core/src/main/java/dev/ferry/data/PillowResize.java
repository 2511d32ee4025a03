package dev.ferry.data;

import java.util.Objects;

/**
 * Pillow 9.4's {@code Image.resize(size, filter)} for 8-bit RGB images, bit for bit.
 *
 * <p>BILINEAR and BICUBIC are a port of {@code ImagingResample} in {@code libImaging/Resample.c}:
 * separable passes (horizontal first when the width changes, then vertical when the height
 * changes), a filter whose support grows with the reduction factor (antialiasing), coefficients
 * normalised to sum 1 in double precision and then converted to 22-bit fixed point with Pillow's
 * round-half-away-from-zero, accumulation in a 32-bit int seeded with {@code 1 << 21}, and a clip
 * to 0..255 between the passes. NEAREST is a port of {@code ImagingScaleAffine} in
 * {@code libImaging/Geometry.c}, which {@code _imaging.c} uses for NEAREST resizes, including its
 * incremental double-precision coordinate stepping.
 *
 * <p>Java's {@code double} arithmetic is IEEE 754 binary64 with round-to-nearest, as is the C code
 * on x86-64/aarch64 builds of Pillow (SSE2, no fused multiply-add), so the coefficients come out
 * identical.
 */
public final class PillowResize {

    /** {@code 32 - 8 - 2}: 8 bits for the result, 2 for filter overshoot, as in Resample.c. */
    static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {
    }

    /**
     * Resizes the whole image to {@code width x height}, like Pillow's
     * {@code image.resize((width, height), filter)} with no box and no reducing gap.
     *
     * @return a new image; a copy when the size is unchanged (Pillow returns {@code copy()} too)
     */
    public static RgbImage resize(RgbImage image, int width, int height, Interpolation interpolation) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(interpolation, "interpolation");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return new RgbImage(width, height, image.rgb().clone());
        }
        return switch (interpolation) {
            case NEAREST -> nearest(image, width, height);
            case BILINEAR -> resample(image, width, height, Filter.BILINEAR, 0, 0, width, height);
            case BICUBIC -> resample(image, width, height, Filter.BICUBIC, 0, 0, width, height);
        };
    }

    /**
     * The window {@code (left, top, windowWidth, windowHeight)} of {@link #resize}: the same pixels
     * as resizing the whole image and then cropping, with only the window computed. Each output
     * pixel of Pillow's separable resampling depends on its own row and column coefficients alone
     * (the 8-bit rounding between the passes is per pixel too), so leaving out the others changes
     * nothing; for the eval preset's 224 of 256 (or more) pixels a side it saves a third of the
     * work or more. Why it matters: on two cores, decoding competes with the network for the CPU.
     *
     * @throws IllegalArgumentException if the window is not inside the {@code width x height} result
     */
    public static RgbImage resizeWindow(RgbImage image, int width, int height, Interpolation interpolation,
            int left, int top, int windowWidth, int windowHeight) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(interpolation, "interpolation");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (left < 0 || top < 0 || windowWidth < 1 || windowHeight < 1
                || left + windowWidth > width || top + windowHeight > height) {
            throw new IllegalArgumentException("window " + windowWidth + "x" + windowHeight + " at (" + left + ", "
                    + top + ") is not inside " + width + "x" + height);
        }
        if (interpolation == Interpolation.NEAREST || (width == image.width() && height == image.height())) {
            return resize(image, width, height, interpolation).crop(left, top, windowWidth, windowHeight);
        }
        Filter filter = interpolation == Interpolation.BICUBIC ? Filter.BICUBIC : Filter.BILINEAR;
        return resample(image, width, height, filter, left, top, windowWidth, windowHeight);
    }

    /** The two convolution filters of Resample.c we need, with their support radius. */
    private enum Filter {
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return 1.0 - x;
                }
                return 0.0;
            }
        },
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                // Same expression shapes as Resample.c (a = -0.5) so rounding matches exactly.
                final double a = -0.5;
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            }
        };

        final double support;

        Filter(double support) {
            this.support = support;
        }

        abstract double weight(double x);
    }

    /**
     * Fixed-point coefficients for one axis: for output index {@code i}, input samples
     * {@code bounds[2i] .. bounds[2i] + bounds[2i+1] - 1} weighted by
     * {@code coeffs[i * ksize ..]}.
     */
    private record Coefficients(int ksize, int[] bounds, int[] coeffs) {
        /** Output indices {@code from .. from + count - 1} only, as fresh arrays. */
        Coefficients window(int from, int count) {
            return new Coefficients(ksize,
                    java.util.Arrays.copyOfRange(bounds, from * 2, (from + count) * 2),
                    java.util.Arrays.copyOfRange(coeffs, from * ksize, (from + count) * ksize));
        }
    }

    /** {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}, for box = whole axis. */
    private static Coefficients precompute(int inSize, int outSize, Filter filter) {
        // Resample.c receives the box edges as C floats; for integer sizes that is exact.
        double in0 = 0.0;
        double in1 = inSize;
        double scale = (in1 - in0) / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = filter.support * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] coeffs = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = in0 + (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterscale;
            // C's (int) truncates toward zero, as does Java's cast.
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) {
                    k[x] /= ww;
                }
            }
            for (int x = 0; x < ksize; x++) {
                double v = x < xmax ? k[x] : 0.0;
                coeffs[xx * ksize + x] = v < 0
                        ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, coeffs);
    }

    /** Resample.c's clip8: arithmetic shift, then clamp (its lookup table covers -640..639). */
    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * {@code ImagingResampleInner} with box = (0, 0, width, height), computing only the output
     * window {@code (left, top, windowWidth, windowHeight)} (the whole output for {@link #resize}).
     */
    private static RgbImage resample(RgbImage in, int xsize, int ysize, Filter filter,
            int left, int top, int windowWidth, int windowHeight) {
        // need_horizontal = xsize != imIn->xsize || box[0] || box[2] != xsize; with the full box
        // that reduces to a size change (Pillow compares box[2] with the *output* width, which for
        // the full box is the same condition).
        boolean needHorizontal = xsize != in.width();
        boolean needVertical = ysize != in.height();
        // The source rows the window needs: those its vertical coefficients read (only those are
        // resampled horizontally), or the window's own rows when the height is unchanged.
        Coefficients vert = needVertical ? precompute(in.height(), ysize, filter).window(top, windowHeight) : null;
        int firstRow = needVertical ? vert.bounds()[0] : top;
        int endRow = needVertical
                ? vert.bounds()[windowHeight * 2 - 2] + vert.bounds()[windowHeight * 2 - 1] // bounds only grow
                : top + windowHeight;
        RgbImage current;
        if (needHorizontal) {
            current = horizontalPass(in, windowWidth, firstRow, endRow - firstRow,
                    precompute(in.width(), xsize, filter).window(left, windowWidth));
        } else if (left == 0 && windowWidth == in.width() && firstRow == 0 && endRow == in.height()) {
            current = in; // the vertical pass reads the input as it is: no copy
        } else {
            current = in.crop(left, firstRow, windowWidth, endRow - firstRow);
        }
        if (needVertical) {
            int[] bounds = vert.bounds();
            for (int i = 0; i < windowHeight; i++) {
                bounds[i * 2] -= firstRow;
            }
            current = verticalPass(current, windowHeight, vert.ksize(), bounds, vert.coeffs());
        }
        return current;
    }

    private static RgbImage horizontalPass(RgbImage in, int xsize, int rowOffset, int rows, Coefficients c) {
        byte[] src = in.rgb();
        byte[] dst = new byte[xsize * rows * 3];
        int ksize = c.ksize();
        int[] bounds = c.bounds();
        int[] kk = c.coeffs();
        int inStride = in.width() * 3;
        final int init = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < rows; yy++) {
            int rowBase = (yy + rowOffset) * inStride;
            int outBase = yy * xsize * 3;
            for (int xx = 0; xx < xsize; xx++) {
                int xmin = bounds[xx * 2];
                int xmax = bounds[xx * 2 + 1];
                int kBase = xx * ksize;
                int ss0 = init;
                int ss1 = init;
                int ss2 = init;
                int p = rowBase + xmin * 3;
                for (int x = 0; x < xmax; x++, p += 3) {
                    int k = kk[kBase + x];
                    ss0 += (src[p] & 0xFF) * k;
                    ss1 += (src[p + 1] & 0xFF) * k;
                    ss2 += (src[p + 2] & 0xFF) * k;
                }
                int o = outBase + xx * 3;
                dst[o] = (byte) clip8(ss0);
                dst[o + 1] = (byte) clip8(ss1);
                dst[o + 2] = (byte) clip8(ss2);
            }
        }
        return new RgbImage(xsize, rows, dst);
    }

    private static RgbImage verticalPass(RgbImage in, int ysize, int ksize, int[] bounds, int[] kk) {
        byte[] src = in.rgb();
        int width = in.width();
        int stride = width * 3;
        byte[] dst = new byte[stride * ysize];
        final int init = 1 << (PRECISION_BITS - 1);
        int[] acc = new int[stride];
        for (int yy = 0; yy < ysize; yy++) {
            int ymin = bounds[yy * 2];
            int ymax = bounds[yy * 2 + 1];
            int kBase = yy * ksize;
            // Row-at-a-time accumulation: per output value it is the same sum, in the same order
            // (y ascending), as Pillow's per-pixel loop, so the int results are identical.
            java.util.Arrays.fill(acc, init);
            for (int y = 0; y < ymax; y++) {
                int k = kk[kBase + y];
                int rowBase = (y + ymin) * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (src[rowBase + i] & 0xFF) * k;
                }
            }
            int outBase = yy * stride;
            for (int i = 0; i < stride; i++) {
                dst[outBase + i] = (byte) clip8(acc[i]);
            }
        }
        return new RgbImage(width, ysize, dst);
    }

    /**
     * NEAREST as {@code _imaging.c} does it: an affine transform with
     * {@code a = [w_in / w_out, 0, 0, 0, h_in / h_out, 0]} handled by {@code ImagingScaleAffine},
     * which steps the source coordinate by repeated addition starting at half a step.
     */
    private static RgbImage nearest(RgbImage in, int xsize, int ysize) {
        double a0 = (double) in.width() / xsize;
        double a4 = (double) in.height() / ysize;
        int[] xin = new int[xsize];
        boolean[] xValid = new boolean[xsize];
        double xo = 0.0 + a0 * 0.5;
        for (int x = 0; x < xsize; x++) {
            int xi = coord(xo);
            xValid[x] = xi >= 0 && xi < in.width();
            xin[x] = xi;
            xo += a0;
        }
        byte[] src = in.rgb();
        byte[] dst = new byte[xsize * ysize * 3];
        double yo = 0.0 + a4 * 0.5;
        for (int y = 0; y < ysize; y++) {
            int yi = coord(yo);
            if (yi >= 0 && yi < in.height()) {
                int rowBase = yi * in.width() * 3;
                int outBase = y * xsize * 3;
                for (int x = 0; x < xsize; x++) {
                    if (xValid[x]) {
                        int s = rowBase + xin[x] * 3;
                        int d = outBase + x * 3;
                        dst[d] = src[s];
                        dst[d + 1] = src[s + 1];
                        dst[d + 2] = src[s + 2];
                    }
                }
            }
            yo += a4;
        }
        return new RgbImage(xsize, ysize, dst);
    }

    /** Geometry.c's COORD macro: floor for non-negative values, -1 for negative ones. */
    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }
}
