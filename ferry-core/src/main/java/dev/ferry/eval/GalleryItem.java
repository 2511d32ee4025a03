package dev.ferry.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * One thumbnail in the report's gallery of worst-classified images.
 *
 * @param label a caption, typically the image's file name
 * @param image PNG or JPEG bytes of the thumbnail (see {@link Thumbnails}); copied in and out
 * @param trueLabel the true class name
 * @param predictedLabel the predicted class name
 * @param confidence the probability of the predicted class, 0..1 (NaN shows as "nan")
 * @param overlay PNG bytes of a second image shown next to the thumbnail (the Grad-CAM overlay of the predicted class in
 *     prediction galleries, the near copy in a duplicates gallery; the gallery's captions say which),
 *     or null for none; copied in and out
 */
public record GalleryItem(String label, byte[] image, String trueLabel, String predictedLabel, double confidence,
                          byte[] overlay) {
    /** An item without an overlay. */
    public GalleryItem(String label, byte[] image, String trueLabel, String predictedLabel, double confidence) {
        this(label, image, trueLabel, predictedLabel, confidence, null);
    }

    /** Checks the arguments and copies the images. */
    public GalleryItem {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(trueLabel, "trueLabel");
        Objects.requireNonNull(predictedLabel, "predictedLabel");
        if (ImageType.of(image) == null) {
            throw new IllegalArgumentException("gallery image '" + label + "' is neither PNG nor JPEG");
        }
        if (overlay != null && !ImageType.isPng(overlay)) {
            throw new IllegalArgumentException("gallery overlay of '" + label + "' is not a PNG");
        }
        image = image.clone();
        overlay = overlay == null ? null : overlay.clone();
    }

    /** A copy of the overlay's bytes, or null. */
    @Override
    public byte[] overlay() {
        return overlay == null ? null : overlay.clone();
    }

    /** The overlay without a copy, or null, for rendering inside the package. */
    byte[] overlayBytes() {
        return overlay;
    }

    /** A copy of the image bytes. */
    @Override
    public byte[] image() {
        return image.clone();
    }

    /** Whether the prediction was right (the gallery marks right and wrong differently). */
    public boolean correct() {
        return trueLabel.equals(predictedLabel);
    }

    /** The data-URI MIME type of the image. */
    String mimeType() {
        return ImageType.of(image);
    }

    /** The image bytes without a copy, for rendering inside the package. */
    byte[] imageBytes() {
        return image;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GalleryItem g && label.equals(g.label) && Arrays.equals(image, g.image)
                && trueLabel.equals(g.trueLabel) && predictedLabel.equals(g.predictedLabel)
                && Double.compare(confidence, g.confidence) == 0 && Arrays.equals(overlay, g.overlay);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, Arrays.hashCode(image), trueLabel, predictedLabel, confidence, Arrays.hashCode(overlay));
    }

    @Override
    public String toString() {
        return "GalleryItem[label=" + label + ", image=" + image.length + " bytes, trueLabel=" + trueLabel
                + ", predictedLabel=" + predictedLabel + ", confidence=" + confidence
                + (overlay == null ? "" : ", overlay=" + overlay.length + " bytes") + "]";
    }
}
