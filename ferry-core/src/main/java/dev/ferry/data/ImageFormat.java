package dev.ferry.data;

/**
 * The container formats ferry decodes, recognised by their leading bytes (never by the file
 * name, so a text file called {@code x.jpg} is "not an image" and a PNG called {@code x.jpg} is
 * decoded as PNG, as Pillow does).
 */
enum ImageFormat {
    JPEG("jpeg"),
    PNG("png"),
    GIF("gif"),
    BMP("bmp"),
    WEBP("webp"),
    TIFF("tiff");

    /** The ImageIO format name used to look up a reader. */
    final String imageIoName;

    ImageFormat(String imageIoName) {
        this.imageIoName = imageIoName;
    }

    /** The format whose signature starts {@code data}, or {@code null} if none matches. */
    static ImageFormat sniff(byte[] data) {
        if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (startsWith(data, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(data, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return GIF;
        }
        if (startsWith(data, 0, 'B', 'M') && data.length >= 18) {
            return BMP;
        }
        if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) {
            return WEBP;
        }
        if (startsWith(data, 0, 'I', 'I', 42, 0) || startsWith(data, 0, 'M', 'M', 0, 42)
                || startsWith(data, 0, 'I', 'I', 43, 0) || startsWith(data, 0, 'M', 'M', 0, 43)) {
            return TIFF;
        }
        return null;
    }

    private static boolean startsWith(byte[] data, int offset, int... magic) {
        if (data.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[offset + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
