package dev.ferry.model;

import dev.ferry.InputException;
import java.util.Locale;

/** The network's first layers, before layer1. */
public enum Stem {
    /** torchvision's: 7x7 conv stride 2 pad 3, BN, ReLU, 3x3 max-pool stride 2 pad 1 (4x reduction). */
    IMAGENET,
    /**
     * For 28-32 pixel inputs (CIFAR/MNIST-style): 3x3 conv stride 1 pad 1, BN, ReLU, no max-pool.
     * Not in torchvision; the parameter names stay {@code conv1}/{@code bn1}, so only the shape of
     * {@code conv1.weight} tells the two apart.
     */
    SMALL;

    /** The CLI spelling: {@code imagenet} or {@code small}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code imagenet} or {@code small}. */
    public static Stem parse(String text) {
        for (Stem s : values()) {
            if (s.id().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return s;
            }
        }
        throw new InputException("unknown stem '" + text + "' (known: imagenet, small)");
    }
}
