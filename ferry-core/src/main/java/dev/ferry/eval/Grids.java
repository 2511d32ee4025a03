package dev.ferry.eval;

import java.util.Arrays;

/**
 * Grids of small images for looking inside a network: the first convolution's filters as RGB
 * tiles and a layer's feature maps as grey tiles. Every tile is min-max scaled on its own to
 * 0..255 (a constant tile is black), enlarged by an integer factor with nearest-neighbour (so that
 * one weight or activation stays one visible square) and separated from its neighbours by a
 * {@value #GAP}-pixel grey gap; the grid fills rows left to right.
 */
public final class Grids {
    /** Pixels between tiles and around the grid. */
    public static final int GAP = 2;
    /** The gap's colour. */
    public static final int BACKGROUND = 0x808080;

    private Grids() {}

    /**
     * A grid image as pixels, before PNG encoding.
     *
     * @param width pixels per row
     * @param height rows
     * @param pixels 0xRRGGBB per pixel, row-major
     * @param columns tiles per row of the grid
     * @param tileWidth one tile's width in pixels (the source's times the scale)
     * @param tileHeight one tile's height in pixels
     */
    public record Grid(int width, int height, int[] pixels, int columns, int tileWidth, int tileHeight) {
        /** Copies the pixels. */
        public Grid {
            pixels = pixels.clone();
        }

        /** The pixel at (x, y) as 0xRRGGBB. */
        public int rgb(int x, int y) {
            return pixels[y * width + x];
        }

        /** The top-left pixel of tile {@code index}. */
        public int[] tileOrigin(int index) {
            return new int[] {GAP + (index % columns) * (tileWidth + GAP), GAP + (index / columns) * (tileHeight + GAP)};
        }

        /** The grid as PNG bytes. */
        public byte[] png() {
            return Heatmap.png(pixels, width, height);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Grid g && width == g.width && height == g.height && columns == g.columns
                    && tileWidth == g.tileWidth && tileHeight == g.tileHeight && Arrays.equals(pixels, g.pixels);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(pixels) + width * 7 + height;
        }

        @Override
        public String toString() {
            return "Grid[" + width + "x" + height + ", " + columns + " columns, tiles of " + tileWidth + "x" + tileHeight + "]";
        }
    }

    /**
     * The first convolution's filters as RGB tiles: filter f's input channels 0, 1, 2 are the red,
     * green and blue of its tile, the three scaled together by the filter's own minimum and maximum.
     *
     * @param weights the weight in torch's order, {@code filters x 3 x k x k}
     * @param scale pixels per weight, at least 1
     * @param columns tiles per row, at least 1
     * @throws IllegalArgumentException if the weight is not {@code filters x 3 x k x k}
     */
    public static Grid filters(float[] weights, int filters, int inChannels, int k, int scale, int columns) {
        if (inChannels != 3 || filters < 1 || k < 1 || weights.length != filters * 3 * k * k) {
            throw new IllegalArgumentException("filters: " + weights.length + " weights for " + filters + " x " + inChannels
                    + " x " + k + " x " + k + " (three input channels expected)");
        }
        checkLayout(scale, columns);
        int cols = Math.min(columns, filters);
        int rows = (filters + cols - 1) / cols;
        int side = k * scale;
        int width = GAP + cols * (side + GAP);
        int height = GAP + rows * (side + GAP);
        int[] px = background(width, height);
        int per = 3 * k * k;
        for (int f = 0; f < filters; f++) {
            double[] range = range(weights, f * per, per);
            int ox = GAP + (f % cols) * (side + GAP);
            int oy = GAP + (f / cols) * (side + GAP);
            for (int y = 0; y < k; y++) {
                for (int x = 0; x < k; x++) {
                    int rgb = 0;
                    for (int c = 0; c < 3; c++) {
                        rgb = (rgb << 8) | level(weights[f * per + (c * k + y) * k + x], range);
                    }
                    fill(px, width, ox + x * scale, oy + y * scale, scale, rgb);
                }
            }
        }
        return new Grid(width, height, px, cols, side, side);
    }

    /**
     * Feature maps as grey tiles, each channel scaled by its own minimum and maximum.
     *
     * @param channels the maps, {@code channels[c][y][x]}, all of one size
     * @param scale pixels per activation, at least 1
     * @param columns tiles per row, at least 1
     */
    public static Grid featureMaps(float[][][] channels, int scale, int columns) {
        if (channels.length == 0) {
            throw new IllegalArgumentException("feature maps: no channels");
        }
        checkLayout(scale, columns);
        int h = channels[0].length;
        int w = channels[0][0].length;
        int n = channels.length;
        int cols = Math.min(columns, n);
        int rows = (n + cols - 1) / cols;
        int tw = w * scale;
        int th = h * scale;
        int width = GAP + cols * (tw + GAP);
        int height = GAP + rows * (th + GAP);
        int[] px = background(width, height);
        for (int c = 0; c < n; c++) {
            float[] flat = new float[h * w];
            for (int y = 0; y < h; y++) {
                if (channels[c].length != h || channels[c][y].length != w) {
                    throw new IllegalArgumentException("feature maps: channel " + c + " is not " + w + "x" + h);
                }
                System.arraycopy(channels[c][y], 0, flat, y * w, w);
            }
            double[] range = range(flat, 0, flat.length);
            int ox = GAP + (c % cols) * (tw + GAP);
            int oy = GAP + (c / cols) * (th + GAP);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = level(flat[y * w + x], range);
                    fill(px, width, ox + x * scale, oy + y * scale, scale, (v << 16) | (v << 8) | v);
                }
            }
        }
        return new Grid(width, height, px, cols, tw, th);
    }

    /**
     * The 0..255 level of {@code v} in a tile whose values span {@code range}:
     * {@code round(255 (v - min) / (max - min))}, 0 when the tile is constant.
     */
    public static int level(double v, double[] range) {
        double lo = range[0];
        double hi = range[1];
        if (!(hi > lo)) {
            return 0;
        }
        return (int) Math.round(255 * (v - lo) / (hi - lo));
    }

    /** {min, max} of {@code n} values from {@code offset}. */
    public static double[] range(float[] values, int offset, int n) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + n; i++) {
            lo = Math.min(lo, values[i]);
            hi = Math.max(hi, values[i]);
        }
        return new double[] {lo, hi};
    }

    /** The smallest integer scale that makes a side of {@code side} pixels at least {@code target}. */
    public static int scaleFor(int side, int target) {
        return Math.max(1, (target + side - 1) / Math.max(1, side));
    }

    private static void checkLayout(int scale, int columns) {
        if (scale < 1 || columns < 1) {
            throw new IllegalArgumentException("grid: scale " + scale + " and columns " + columns + " must be at least 1");
        }
    }

    private static int[] background(int width, int height) {
        int[] px = new int[width * height];
        Arrays.fill(px, BACKGROUND);
        return px;
    }

    private static void fill(int[] px, int width, int x0, int y0, int scale, int rgb) {
        for (int y = y0; y < y0 + scale; y++) {
            Arrays.fill(px, y * width + x0, y * width + x0 + scale, rgb);
        }
    }
}
