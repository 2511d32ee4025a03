package dev.ferry.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns decoded samples into 8-bit RGB the way Pillow 9.4's {@code convert("RGB")} does, working on
 * raw raster samples so that Java's colour management (gamma, ICC profiles, the linear "gray"
 * colour space) never alters a value:
 *
 * <ul>
 *   <li>alpha is dropped, not composited (PIL's RGBA/LA to RGB);</li>
 *   <li>palette indices are looked up in the palette, ignoring its alpha;</li>
 *   <li>grey is replicated to R = G = B;</li>
 *   <li>samples under 8 bits are scaled {@code v * 255 / (2^bits - 1)} with integer division
 *       (PIL's unpackers for 1/2/4-bit grey and 5/6-bit BMP channels);</li>
 *   <li>16-bit colour (and 16-bit grey with alpha) keeps the high byte (PIL's {@code ;16B}
 *       rawmodes); 16-bit grey without alpha is clipped to 255 instead, because PIL opens it as
 *       mode "I"/"I;16" whose conversion to RGB clips;</li>
 *   <li>CMYK uses PIL's naive formula, no ICC profile.</li>
 * </ul>
 */
final class PixelConversion {

    private PixelConversion() {
    }

    /**
     * Converts a decoded image.
     *
     * @param clipWideGrey for grey images with more than 8 bits: true clips to 255 (PIL mode
     *                     "I"), false keeps the high byte
     */
    static RgbImage toRgb(BufferedImage image, boolean clipWideGrey) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            return fromIndexed(raster, icm);
        }
        int dataType = raster.getDataBuffer().getDataType();
        ColorSpace cs = cm.getColorSpace();
        int colours = cm.getNumColorComponents();
        if (dataType == DataBuffer.TYPE_FLOAT || dataType == DataBuffer.TYPE_DOUBLE) {
            return fromFloat(raster, colours);
        }
        int[] bits = cm.getComponentSize();
        if (cs.getType() == ColorSpace.TYPE_GRAY && colours == 1) {
            return fromGrey(raster, bits[0], clipWideGrey);
        }
        if (cs.getType() == ColorSpace.TYPE_RGB && colours == 3) {
            return fromChannels(raster, bits, false);
        }
        if (cs.getType() == ColorSpace.TYPE_CMYK && colours == 4) {
            return fromChannels(raster, bits, true);
        }
        // Deliberate difference: other colour spaces (Lab, YCbCr-tagged TIFFs the reader did not
        // convert, ...) go through Java's colour conversion; Pillow's own conversions for these
        // rare cases are not reproduced.
        return fromJavaRgb(image);
    }

    /** Scales an n-bit sample to 8 bits the way PIL's unpackers do. */
    static int to8(int v, int bits) {
        if (bits == 8) {
            return v & 0xFF;
        }
        if (bits < 8) {
            return v * 255 / ((1 << bits) - 1);
        }
        return (v >>> (bits - 8)) & 0xFF;
    }

    /**
     * PIL's {@code cmyk2rgb} (Convert.c): {@code nk = 255 - k; out = nk - MULDIV255(c, nk)}, with
     * {@code MULDIV255(a, b) = ((a*b + 128) >> 8 + (a*b + 128)) >> 8}.
     */
    static int cmykChannel(int c, int k) {
        int nk = 255 - k;
        int tmp = c * nk + 128;
        int v = nk - (((tmp >> 8) + tmp) >> 8);
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage fromIndexed(Raster raster, IndexColorModel icm) {
        int size = icm.getMapSize();
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        icm.getReds(r);
        icm.getGreens(g);
        icm.getBlues(b);
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, o += 3) {
                int i = row[x];
                // An index past the palette is black, as Java's IndexColorModel pads it.
                if (i >= 0 && i < size) {
                    out[o] = r[i];
                    out[o + 1] = g[i];
                    out[o + 2] = b[i];
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage fromGrey(Raster raster, int bits, boolean clipWideGrey) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, o += 3) {
                int v = row[x];
                int g;
                if (bits > 8 && clipWideGrey) {
                    // PIL i2rgb / I16 conversions: clip, do not scale.
                    g = v <= 0 ? 0 : Math.min(v, 255);
                } else {
                    g = to8(v, bits);
                }
                byte gb = (byte) g;
                out[o] = gb;
                out[o + 1] = gb;
                out[o + 2] = gb;
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage fromChannels(Raster raster, int[] bits, boolean cmyk) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            int o = y * w * 3;
            for (int x = 0, s = 0; x < w; x++, s += bands, o += 3) {
                if (cmyk) {
                    int k = to8(row[s + 3], bits[3]);
                    out[o] = (byte) cmykChannel(to8(row[s], bits[0]), k);
                    out[o + 1] = (byte) cmykChannel(to8(row[s + 1], bits[1]), k);
                    out[o + 2] = (byte) cmykChannel(to8(row[s + 2], bits[2]), k);
                } else {
                    out[o] = (byte) to8(row[s], bits[0]);
                    out[o + 1] = (byte) to8(row[s + 1], bits[1]);
                    out[o + 2] = (byte) to8(row[s + 2], bits[2]);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Floating-point samples (32-bit float TIFFs): clipped to 0..255 and truncated, like PIL's
     * float-to-8-bit conversion of mode "F". Grey is replicated; colour keeps the first three bands.
     */
    private static RgbImage fromFloat(Raster raster, int colours) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        byte[] out = new byte[w * h * 3];
        float[] row = new float[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            int o = y * w * 3;
            for (int x = 0, s = 0; x < w; x++, s += bands, o += 3) {
                for (int c = 0; c < 3; c++) {
                    float v = row[s + (colours >= 3 ? c : 0)];
                    out[o + c] = (byte) (v <= 0f || Float.isNaN(v) ? 0 : v >= 255f ? 255 : (int) v);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage fromJavaRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, o += 3) {
                int argb = row[x];
                out[o] = (byte) (argb >> 16);
                out[o + 1] = (byte) (argb >> 8);
                out[o + 2] = (byte) argb;
            }
        }
        return new RgbImage(w, h, out);
    }
}
