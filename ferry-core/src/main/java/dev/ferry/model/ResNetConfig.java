package dev.ferry.model;

import dev.ferry.InputException;

/**
 * Everything that determines a ResNet's structure.
 *
 * @param architecture depth and block type
 * @param numClasses outputs of the {@code fc} head
 * @param width channels of the stem and of layer1's inner width; every stage scales with it
 *     (torchvision: 64)
 * @param stem {@link Stem#IMAGENET} or {@link Stem#SMALL}
 * @param dropout probability of the dropout applied to the pooled features before {@code fc}; 0
 *     for none (torchvision has none)
 * @param zeroInitResidual initialise the last BN of each residual branch with gamma 0, so each
 *     block starts as the identity (torchvision's {@code zero_init_residual})
 */
public record ResNetConfig(
        Architecture architecture, int numClasses, int width, Stem stem, float dropout, boolean zeroInitResidual) {

    public ResNetConfig {
        if (architecture == null || stem == null) {
            throw new InputException("architecture and stem are required");
        }
        if (numClasses < 1) {
            throw new InputException("number of classes must be at least 1, got " + numClasses);
        }
        if (width < 1) {
            throw new InputException("width must be at least 1, got " + width);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new InputException("dropout must be in [0, 1), got " + dropout);
        }
    }

    /** torchvision's network: width 64, ImageNet stem, no dropout. */
    public static ResNetConfig of(Architecture architecture, int numClasses) {
        return new ResNetConfig(architecture, numClasses, 64, Stem.IMAGENET, 0f, false);
    }

    public ResNetConfig withNumClasses(int n) {
        return new ResNetConfig(architecture, n, width, stem, dropout, zeroInitResidual);
    }

    public ResNetConfig withWidth(int w) {
        return new ResNetConfig(architecture, numClasses, w, stem, dropout, zeroInitResidual);
    }

    public ResNetConfig withStem(Stem s) {
        return new ResNetConfig(architecture, numClasses, width, s, dropout, zeroInitResidual);
    }

    public ResNetConfig withDropout(float p) {
        return new ResNetConfig(architecture, numClasses, width, stem, p, zeroInitResidual);
    }

    public ResNetConfig withZeroInitResidual(boolean z) {
        return new ResNetConfig(architecture, numClasses, width, stem, dropout, z);
    }

    /** Width of the pooled feature vector: 512 or 2048 at width 64. */
    public int featureDim() {
        return width * 8 * architecture.blockType().expansion();
    }
}
