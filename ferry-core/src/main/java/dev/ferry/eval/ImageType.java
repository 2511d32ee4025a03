package dev.ferry.eval;

/** Recognises embeddable image formats by their magic bytes. */
final class ImageType {
    private ImageType() {}

    /** {@code image/png}, {@code image/jpeg}, or null for anything else. */
    static String of(byte[] bytes) {
        if (isPng(bytes)) {
            return "image/png";
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        return null;
    }

    /** Whether the bytes start with the PNG signature. */
    static boolean isPng(byte[] bytes) {
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (bytes.length < sig.length) {
            return false;
        }
        for (int i = 0; i < sig.length; i++) {
            if (bytes[i] != sig[i]) {
                return false;
            }
        }
        return true;
    }
}
