package dev.ferry.model;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import java.util.Locale;

/** The four stages of a ResNet, under torchvision's attribute names {@code layer1}..{@code layer4}. */
public enum Stage {
    /** The first stage, at a quarter of the input's resolution (ImageNet stem). */
    LAYER1,
    /** The second stage, an eighth. */
    LAYER2,
    /** The third stage, a sixteenth. */
    LAYER3,
    /** The last stage, a thirty-second: the activations the head pools. */
    LAYER4;

    /** The name as torchvision's attribute and {@link ResNet#STAGES}: {@code layer1}..{@code layer4}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage's index in {@link ResNet#stages()}: 0 for {@code layer1}. */
    public int index() {
        return ordinal();
    }

    /**
     * Parses {@code layer1}..{@code layer4} (case-insensitive).
     *
     * @throws InputException naming the allowed values
     */
    public static Stage parse(String text) {
        String t = text == null ? "" : text.trim();
        for (Stage s : values()) {
            if (s.id().equalsIgnoreCase(t)) {
                return s;
            }
        }
        throw new InputException(Message.of(Setting.LAYER, " must be one of layer1, layer2, layer3, layer4, got '", text, "'"));
    }
}
