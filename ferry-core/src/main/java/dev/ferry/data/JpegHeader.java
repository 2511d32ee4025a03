package dev.ferry.data;

import java.io.IOException;

/**
 * The few facts about a JPEG that decide how libjpeg (and therefore Pillow) interprets its
 * samples: the frame header and the JFIF / Adobe APP markers, read up to the first scan.
 *
 * @param width           frame width
 * @param height          frame height (0 means a DNL marker defines it, which nobody supports)
 * @param precision       sample precision in bits (8 for baseline)
 * @param sofMarker       the SOFn marker byte (0xC0 baseline, 0xC2 progressive, 0xC3 lossless...)
 * @param componentIds    component identifiers in frame order
 * @param sawJfif         an APP0 "JFIF" marker was present
 * @param sawAdobe        an APP14 "Adobe" marker was present
 * @param adobeTransform  the Adobe marker's transform flag (0 none, 1 YCbCr, 2 YCCK)
 */
record JpegHeader(int width, int height, int precision, int sofMarker, int[] componentIds,
                  boolean sawJfif, boolean sawAdobe, int adobeTransform) {

    /** How libjpeg stores the components, per {@code default_decompress_parms} in jdapimin.c. */
    enum ColorSpace { GRAYSCALE, YCBCR, RGB, CMYK, YCCK }

    /**
     * Parses markers from SOI up to SOS.
     *
     * @throws IOException if the data ends early or has no frame header
     */
    static JpegHeader parse(byte[] data) throws IOException {
        int pos = 2; // after SOI
        int width = -1;
        int height = -1;
        int precision = 0;
        int sof = 0;
        int[] ids = null;
        boolean jfif = false;
        boolean adobe = false;
        int transform = -1;
        while (true) {
            // Markers are 0xFF followed by a code; 0xFF fill bytes may precede the code.
            if (pos >= data.length) {
                throw new IOException("file ends inside the JPEG header");
            }
            if ((data[pos] & 0xFF) != 0xFF) {
                pos++; // libjpeg skips garbage between segments (with a warning)
                continue;
            }
            while (pos < data.length && (data[pos] & 0xFF) == 0xFF) {
                pos++;
            }
            if (pos >= data.length) {
                throw new IOException("file ends inside the JPEG header");
            }
            int marker = data[pos++] & 0xFF;
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                continue; // stand-alone markers
            }
            if (marker == 0xD9) {
                throw new IOException("JPEG ends (EOI) before any image data");
            }
            if (pos + 2 > data.length) {
                throw new IOException("file ends inside the JPEG header");
            }
            int length = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
            if (length < 2 || pos + length > data.length) {
                throw new IOException("file ends inside the JPEG header");
            }
            int p = pos + 2;
            int payload = length - 2;
            if (marker == 0xDA) {
                if (ids == null) {
                    throw new IOException("JPEG has image data (SOS) before a frame header (SOF)");
                }
                return new JpegHeader(width, height, precision, sof, ids, jfif, adobe, transform);
            } else if (marker == 0xE0 && payload >= 14 && matches(data, p, "JFIF\0")) {
                jfif = true;
            } else if (marker == 0xEE && payload >= 12 && matches(data, p, "Adobe")) {
                adobe = true;
                transform = data[p + 11] & 0xFF;
            } else if (isSof(marker)) {
                if (payload < 6) {
                    throw new IOException("JPEG frame header is too short");
                }
                precision = data[p] & 0xFF;
                height = ((data[p + 1] & 0xFF) << 8) | (data[p + 2] & 0xFF);
                width = ((data[p + 3] & 0xFF) << 8) | (data[p + 4] & 0xFF);
                int n = data[p + 5] & 0xFF;
                if (payload < 6 + 3 * n) {
                    throw new IOException("JPEG frame header is too short");
                }
                ids = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = data[p + 6 + 3 * i] & 0xFF;
                }
                sof = marker;
            }
            pos += length;
        }
    }

    private static boolean isSof(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static boolean matches(byte[] data, int pos, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if ((data[pos + i] & 0xFF) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * libjpeg-turbo's guess of the stored colour space ({@code default_decompress_parms}):
     * JFIF implies YCbCr; otherwise an Adobe marker's transform decides; otherwise component ids
     * 'R','G','B' mean RGB and anything else YCbCr. Four components are CMYK unless an Adobe
     * marker says YCCK (any transform other than 0).
     */
    ColorSpace colorSpace() {
        switch (componentIds.length) {
            case 1:
                return ColorSpace.GRAYSCALE;
            case 3:
                if (sawJfif) {
                    return ColorSpace.YCBCR;
                }
                if (sawAdobe) {
                    return adobeTransform == 0 ? ColorSpace.RGB : ColorSpace.YCBCR;
                }
                if (componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B') {
                    return ColorSpace.RGB;
                }
                return ColorSpace.YCBCR;
            case 4:
                if (sawAdobe) {
                    return adobeTransform == 0 ? ColorSpace.CMYK : ColorSpace.YCCK;
                }
                return ColorSpace.CMYK;
            default:
                throw new IllegalStateException("unsupported component count " + componentIds.length);
        }
    }
}
