package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> NAMES = List.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
            "resnet50.IMAGENET1K_V1", "resnet50.IMAGENET1K_V2");

    @Test
    void aTypoGetsTheClosestName() {
        assertEquals(Optional.of("resnet50"), Suggestions.closest("resnt50", NAMES));
        assertEquals(Optional.of("resnet50"), Suggestions.closest("renset50", NAMES), "a swap is one edit");
        assertEquals(Optional.of("resnet50.IMAGENET1K_V2"), Suggestions.closest("resnet50.imagenetk1_v2", NAMES));
        assertEquals(Optional.of("resnet101"), Suggestions.closest("ResNet-101", NAMES));
    }

    @Test
    void anotherWordGetsNone() {
        assertEquals(Optional.empty(), Suggestions.closest("vgg16", NAMES));
        assertEquals(Optional.empty(), Suggestions.closest("", NAMES));
        assertEquals(Optional.empty(), Suggestions.closest("resnet42", NAMES), "as near resnet18 as resnet34: no guess");
        assertEquals("", Suggestions.didYouMean("efficientnet", NAMES));
        assertEquals("; did you mean resnet34?", Suggestions.didYouMean("resnet43", NAMES));
    }

    @Test
    void distanceCountsEdits() {
        assertEquals(0, Suggestions.distance("abc", "abc"));
        assertEquals(1, Suggestions.distance("abc", "acb"));
        assertEquals(3, Suggestions.distance("", "abc"));
        assertEquals(2, Suggestions.distance("kitten", "sittin"));
    }
}
