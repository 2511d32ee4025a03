package dev.ferry.data;

import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * Reads one row of a raster's samples (all bands, pixel-interleaved) into an int array, straight
 * from the byte array for the common 8-bit interleaved layout and through
 * {@link Raster#getPixels} otherwise.
 */
final class RowSamples {

    private final Raster raster;
    private final byte[] bytes;
    private final int[] bandOffsets;
    private final int pixelStride;
    private final int scanlineStride;
    private final int base;

    RowSamples(Raster raster) {
        this.raster = raster;
        if (raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && raster.getSampleModel() instanceof ComponentSampleModel sm) {
            boolean singleBank = true;
            for (int bank : sm.getBankIndices()) {
                singleBank &= bank == 0;
            }
            this.bytes = singleBank ? db.getData() : null;
            this.bandOffsets = sm.getBandOffsets();
            this.pixelStride = sm.getPixelStride();
            this.scanlineStride = sm.getScanlineStride();
            // Offset of pixel (minX, minY) in the shared buffer, for child rasters.
            this.base = db.getOffset() - raster.getSampleModelTranslateX() * pixelStride
                    - raster.getSampleModelTranslateY() * scanlineStride
                    + raster.getMinX() * pixelStride + raster.getMinY() * scanlineStride;
        } else {
            this.bytes = null;
            this.bandOffsets = null;
            this.pixelStride = 0;
            this.scanlineStride = 0;
            this.base = 0;
        }
    }

    /**
     * The raster's own bytes when it is 8-bit, one bank, {@code bands} interleaved samples a pixel
     * in band order (the layout libjpeg's rows come in), else null. Sample {@code b} of pixel
     * {@code x} in row {@code y} is then at {@code rowStart(y) + x * bands + b}.
     */
    byte[] packedBytes(int bands) {
        if (bytes == null || pixelStride != bands || bandOffsets.length != bands) {
            return null;
        }
        for (int b = 0; b < bands; b++) {
            if (bandOffsets[b] != b) {
                return null;
            }
        }
        return bytes;
    }

    /** Index of row {@code y}'s first sample in {@link #packedBytes}. */
    int rowStart(int y) {
        return base + y * scanlineStride;
    }

    /** Fills {@code row} with {@code width * bands} samples of row {@code y} (0-based). */
    void read(int y, int[] row) {
        int w = raster.getWidth();
        if (bytes == null) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            return;
        }
        int bands = bandOffsets.length;
        int p = base + y * scanlineStride;
        for (int x = 0, s = 0; x < w; x++, p += pixelStride) {
            for (int b = 0; b < bands; b++) {
                row[s++] = bytes[p + bandOffsets[b]] & 0xFF;
            }
        }
    }
}
