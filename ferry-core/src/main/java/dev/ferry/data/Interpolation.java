package dev.ferry.data;

/**
 * Resampling filters, named and behaving as torchvision's {@code InterpolationMode} on PIL images
 * (which maps them to Pillow's {@code Image.Resampling} filters).
 */
public enum Interpolation {
    /** Pillow NEAREST: no antialiasing, pixel centres mapped with Pillow's affine nearest rule. */
    NEAREST,
    /** Pillow BILINEAR: antialiased triangle filter (the torchvision default). */
    BILINEAR,
    /** Pillow BICUBIC: antialiased cubic convolution with a = -0.5. */
    BICUBIC
}
