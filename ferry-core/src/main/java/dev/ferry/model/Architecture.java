package dev.ferry.model;

import dev.ferry.InputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The network table of torchvision's {@code resnet.py}: each network is a block type, the number of
 * blocks in each of the four stages, and the grouping of the Bottleneck's 3x3 convolution
 * ({@code groups}, {@code width_per_group}, torchvision's {@code ResNet} arguments). This table is the
 * only place depth and width are decided; everything else reads it.
 *
 * <p>ResNeXt (Xie et al. 2017) splits each Bottleneck's 3x3 convolution into {@code groups}
 * groups; Wide ResNet (Zagoruyko and Komodakis 2016, as torchvision builds it) doubles the
 * Bottleneck's inner width. In both, a Bottleneck's inner width is
 * {@code floor(planes * widthPerGroup / 64) * groups}, torchvision's formula.
 */
public enum Architecture {
    //            block                 layer1..layer4    groups  width_per_group
    RESNET18(BlockType.BASIC,           2, 2, 2, 2,       1, 64),
    RESNET34(BlockType.BASIC,           3, 4, 6, 3,       1, 64),
    RESNET50(BlockType.BOTTLENECK,      3, 4, 6, 3,       1, 64),
    RESNET101(BlockType.BOTTLENECK,     3, 4, 23, 3,      1, 64),
    RESNET152(BlockType.BOTTLENECK,     3, 8, 36, 3,      1, 64),
    RESNEXT50_32X4D(BlockType.BOTTLENECK, 3, 4, 6, 3,     32, 4),
    RESNEXT101_32X8D(BlockType.BOTTLENECK, 3, 4, 23, 3,   32, 8),
    RESNEXT101_64X4D(BlockType.BOTTLENECK, 3, 4, 23, 3,   64, 4),
    WIDE_RESNET50_2(BlockType.BOTTLENECK, 3, 4, 6, 3,     1, 128),
    WIDE_RESNET101_2(BlockType.BOTTLENECK, 3, 4, 23, 3,   1, 128);

    private final BlockType blockType;
    private final int[] stageBlocks;
    private final int groups;
    private final int widthPerGroup;

    Architecture(BlockType blockType, int b1, int b2, int b3, int b4, int groups, int widthPerGroup) {
        this.blockType = blockType;
        this.stageBlocks = new int[] {b1, b2, b3, b4};
        this.groups = groups;
        this.widthPerGroup = widthPerGroup;
    }

    /** torchvision's {@code groups}: how many groups each Bottleneck's 3x3 convolution has (1 but for ResNeXt). */
    public int groups() {
        return groups;
    }

    /** torchvision's {@code width_per_group}: 64 for ResNet, 4 or 8 for ResNeXt, 128 for Wide ResNet. */
    public int widthPerGroup() {
        return widthPerGroup;
    }

    /** Whether the Bottleneck's 3x3 convolution is grouped (ResNeXt). */
    public boolean grouped() {
        return groups > 1;
    }

    /** The residual block design used by every stage. */
    public BlockType blockType() {
        return blockType;
    }

    /** Number of residual blocks in layer1..layer4 (a copy). */
    public int[] stageBlocks() {
        return stageBlocks.clone();
    }

    /** The name torchvision's builder function has: {@code resnet50}, {@code resnext50_32x4d}, {@code wide_resnet50_2}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A display name: {@code ResNet-50}, {@code ResNeXt-50 (32x4d)}, {@code Wide ResNet-50-2}. */
    public String displayName() {
        String id = id();
        if (id.startsWith("resnext")) {
            String[] parts = id.substring("resnext".length()).split("_");
            return "ResNeXt-" + parts[0] + " (" + parts[1] + ")";
        }
        if (id.startsWith("wide_resnet")) {
            return "Wide ResNet-" + id.substring("wide_resnet".length()).replace('_', '-');
        }
        return "ResNet-" + id.substring("resnet".length());
    }

    /**
     * Parses torchvision's names ({@code resnet50}, {@code resnext50_32x4d}, {@code wide_resnet50_2}),
     * the display names ({@code ResNet-50}, {@code ResNeXt-50 (32x4d)}, {@code Wide ResNet-50-2}),
     * and a plain depth ({@code 50}); case, spaces, hyphens, underscores and brackets are ignored.
     *
     * @throws InputException naming the value and the known architectures
     */
    public static Architecture parse(String text) {
        String t = squash(text);
        if (t.matches("\\d+")) {
            t = "resnet" + t;
        }
        for (Architecture a : values()) {
            if (squash(a.id()).equals(t)) {
                return a;
            }
        }
        throw new InputException("unknown architecture '" + text + "'"
                + dev.ferry.Suggestions.didYouMean(text, Arrays.stream(values()).map(Architecture::id).toList())
                + " (known: " + knownIds() + ")");
    }

    private static String squash(String text) {
        return text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replaceAll("[-_ ()]", "");
    }

    /**
     * The table lookup used when inferring an architecture from weights: the block type and counts,
     * and the number of groups and the inner width of {@code layer1}'s Bottleneck 3x3 convolution
     * at stem width {@code width} (as {@link ResNetConfig} scales them); null when no row fits.
     */
    public static Architecture fromStructure(BlockType type, int[] blocks, int width, int groups, int innerWidth) {
        for (Architecture a : values()) {
            if (a.blockType == type && Arrays.equals(a.stageBlocks, blocks)
                    && (type == BlockType.BASIC || (ResNetConfig.scaledGroups(a, width) == groups
                            && ResNetConfig.innerWidth(a, width, width) == innerWidth))) {
                return a;
            }
        }
        return null;
    }

    /** Comma-separated ids of all architectures, for error messages and help. */
    public static String knownIds() {
        return Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", "));
    }
}
