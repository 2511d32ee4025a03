package dev.ferry.model;

import dev.ferry.InputException;

/**
 * Everything that determines a ResNet's structure.
 *
 * @param architecture depth and block type
 * @param numClasses outputs of the {@code fc} head
 * @param width channels of the stem and layer1's {@code planes}; every stage scales with it
 *     (torchvision: 64). A grouped network (ResNeXt) keeps its group width and scales its number
 *     of groups with the width ({@code groups * width / 64}), so that a narrow ResNeXt is still a
 *     ResNeXt; torchvision has no width setting, and at 64 both are the same network.
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
        if (architecture.grouped() && (architecture.groups() * width % 64 != 0
                || architecture.widthPerGroup() * 64 % width != 0)) {
            throw new InputException("width " + width + " does not fit " + architecture.id() + ": its "
                    + architecture.groups() + " groups of " + architecture.widthPerGroup()
                    + " channels scale to a whole number of groups only at widths that are a multiple of "
                    + (64 / gcd(64, architecture.groups())) + " and divide " + architecture.widthPerGroup() * 64);
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

    /** Groups of each Bottleneck's 3x3 convolution in this network (see {@link #scaledGroups}). */
    public int groups() {
        return scaledGroups(architecture, width);
    }

    /** Inner width of a Bottleneck with {@code planes} in this network (see {@link #innerWidth}). */
    public int innerWidth(int planes) {
        return innerWidth(architecture, width, planes);
    }

    /**
     * Groups of the Bottleneck's 3x3 convolution at stem width {@code width}: the table's at 64;
     * for a grouped network, scaled with the width so the group width stays.
     */
    public static int scaledGroups(Architecture architecture, int width) {
        return architecture.grouped() ? architecture.groups() * width / 64 : 1;
    }

    /**
     * A Bottleneck's inner width, torchvision's {@code int(planes * (base_width / 64.0)) * groups},
     * with the groups and base width scaled to stem width {@code width} as {@link #scaledGroups}
     * says (at 64 they are the table's).
     */
    public static int innerWidth(Architecture architecture, int width, int planes) {
        int groups = scaledGroups(architecture, width);
        int baseWidth = architecture.grouped() ? architecture.widthPerGroup() * 64 / width : architecture.widthPerGroup();
        return planes * baseWidth / 64 * groups;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
