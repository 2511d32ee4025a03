package dev.ferry.data;

import dev.ferry.FerryException;
import dev.ferry.platform.FileDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What one read of an image file tells about it: its size, container format and length, the
 * SHA-256 of its bytes (exact copies), and the two small summaries of its pixels that find near
 * copies ({@link Duplicates#dHash} and {@link Duplicates#thumbprint}). The file is read once for
 * all of them.
 *
 * @param path the file
 * @param width decoded width in pixels
 * @param height decoded height in pixels
 * @param format the container format found in its leading bytes ({@code jpeg}, {@code png}, ...)
 * @param bytes file length
 * @param sha256 hex digest of the file's bytes
 * @param dHash its difference hash
 * @param thumbprint its thumbprint
 */
public record ImageFacts(Path path, int width, int height, String format, long bytes, String sha256, long dHash, float[] thumbprint) {

    public ImageFacts {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(thumbprint, "thumbprint");
    }

    /**
     * Reads and decodes {@code path} as training does (no EXIF turn).
     *
     * @throws BadImageException if the file is not a usable image (the reason names the file)
     */
    public static ImageFacts read(Path path) {
        byte[] data;
        try {
            data = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new FerryException("cannot read " + path + ": " + e.getMessage(), e);
        }
        RgbImage img = ImageDecoder.decode(data, path);
        ImageFormat format = ImageFormat.sniff(data);
        MessageDigest sha = FileDigest.newSha256();
        String digest = HexFormat.of().formatHex(sha.digest(data));
        return new ImageFacts(path, img.width(), img.height(), format == null ? "unknown" : format.name().toLowerCase(java.util.Locale.ROOT),
                data.length, digest, Duplicates.dHash(img), Duplicates.thumbprint(img));
    }
}
