package dev.ferry.model;

import dev.ferry.InputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The ResNet depth table: each depth is a block type and the number of blocks in each of the four
 * stages. This table is the only place depth is decided; everything else reads it.
 */
public enum Architecture {
    RESNET18(BlockType.BASIC, 2, 2, 2, 2),
    RESNET34(BlockType.BASIC, 3, 4, 6, 3),
    RESNET50(BlockType.BOTTLENECK, 3, 4, 6, 3),
    RESNET101(BlockType.BOTTLENECK, 3, 4, 23, 3),
    RESNET152(BlockType.BOTTLENECK, 3, 8, 36, 3);

    private final BlockType blockType;
    private final int[] stageBlocks;

    Architecture(BlockType blockType, int... stageBlocks) {
        this.blockType = blockType;
        this.stageBlocks = stageBlocks;
    }

    /** The residual block design used by every stage. */
    public BlockType blockType() {
        return blockType;
    }

    /** Number of residual blocks in layer1..layer4 (a copy). */
    public int[] stageBlocks() {
        return stageBlocks.clone();
    }

    /** The conventional lower-case name, as torchvision spells it: {@code resnet50}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A display name: {@code ResNet-50}. */
    public String displayName() {
        return "ResNet-" + id().substring("resnet".length());
    }

    /**
     * Parses {@code resnet50}, {@code ResNet-50}, {@code resnet_50} or {@code 50}.
     *
     * @throws InputException naming the value and the known architectures
     */
    public static Architecture parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (t.matches("\\d+")) {
            t = "resnet" + t;
        }
        for (Architecture a : values()) {
            if (a.id().equals(t)) {
                return a;
            }
        }
        throw new InputException("unknown architecture '" + text + "'"
                + dev.ferry.Suggestions.didYouMean(text, Arrays.stream(values()).map(Architecture::id).toList())
                + " (known: " + knownIds() + ")");
    }

    /** The block-count table lookup used when inferring an architecture from weights. */
    public static Architecture fromStructure(BlockType type, int[] blocks) {
        for (Architecture a : values()) {
            if (a.blockType == type && Arrays.equals(a.stageBlocks, blocks)) {
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
