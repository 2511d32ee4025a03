package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KnownWeightsTest {

    @ParameterizedTest
    @CsvSource({
        "resnet50.IMAGENET1K_V2, RESNET50_IMAGENET1K_V2",
        "ResNet50.imagenet1k_v1, RESNET50_IMAGENET1K_V1",
        "resnet50, RESNET50_IMAGENET1K_V2",
        "resnet50.DEFAULT, RESNET50_IMAGENET1K_V2",
        "ResNet101_Weights.IMAGENET1K_V1, RESNET101_IMAGENET1K_V1",
        "RESNET152_IMAGENET1K_V1, RESNET152_IMAGENET1K_V1",
        "resnet152, RESNET152_IMAGENET1K_V2",
        "resnet101, RESNET101_IMAGENET1K_V2",
        "resnet18, RESNET18_IMAGENET1K_V1",
        "'  RESNET34 ', RESNET34_IMAGENET1K_V1",
        "resnext50_32x4d, RESNEXT50_32X4D_IMAGENET1K_V2",
        "ResNeXt50_32X4D_Weights.IMAGENET1K_V1, RESNEXT50_32X4D_IMAGENET1K_V1",
        "RESNEXT101_32X8D_IMAGENET1K_V2, RESNEXT101_32X8D_IMAGENET1K_V2",
        "resnext101_64x4d, RESNEXT101_64X4D_IMAGENET1K_V1",
        "Wide_ResNet50_2_Weights.IMAGENET1K_V2, WIDE_RESNET50_2_IMAGENET1K_V2",
        "wide_resnet101_2.default, WIDE_RESNET101_2_IMAGENET1K_V2",
        "wide_resnet101_2.IMAGENET1K_V1, WIDE_RESNET101_2_IMAGENET1K_V1",
    })
    void parsesUserNames(String input, KnownWeights expected) {
        assertSame(expected, KnownWeights.parse(input));
    }

    @ParameterizedTest
    @CsvSource({"resnet50.IMAGENET1K_V3", "resnet18.IMAGENET1K_V2", "resnet200", "vgg16", "''", "resnet"})
    void unknownNamesListTheValidOnes(String input) {
        InputException e = assertThrows(InputException.class, () -> KnownWeights.parse(input));
        assertTrue(e.getMessage().startsWith("unknown pretrained weights '" + input + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet18.IMAGENET1K_V1, resnet34.IMAGENET1K_V1, resnet50.IMAGENET1K_V1, "
                + "resnet50.IMAGENET1K_V2, resnet101.IMAGENET1K_V1, resnet101.IMAGENET1K_V2, "
                + "resnet152.IMAGENET1K_V1, resnet152.IMAGENET1K_V2, resnext50_32x4d.IMAGENET1K_V1"), e.getMessage());
        assertTrue(e.getMessage().contains("or an architecture alone (resnet18, resnet34, resnet50, resnet101, resnet152, "
                + "resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, wide_resnet50_2, wide_resnet101_2) for its default; "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("from the Hugging Face hub: hf-hub:timm/resnet18.a1_in1k, hf-hub:timm/resnet34.a1_in1k, "
                + "hf-hub:timm/resnet50.a1_in1k, hf-hub:timm/resnet50.a1h_in1k, hf-hub:timm/resnet101.a1h_in1k, "
                + "hf-hub:timm/resnet152.a1h_in1k, or any hf-hub:ORG/NAME[@REVISION])"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"resnt50, resnet50", "resnet50.IMAGENETK1_V2, resnet50.IMAGENET1K_V2", "resent152, resnet152",
            "resnet18.imagenet1k_v2, resnet18.IMAGENET1K_V1"})
    void aTypoSuggestsTheNameMeant(String input, String meant) {
        InputException e = assertThrows(InputException.class, () -> KnownWeights.parse(input));
        assertTrue(e.getMessage().startsWith("unknown pretrained weights '" + input + "'; did you mean " + meant + "? (known: "),
                e.getMessage());
    }

    @Test
    void torchvisionFileNamesUrlsAndHashes() {
        KnownWeights w = KnownWeights.RESNET50_IMAGENET1K_V2;
        assertEquals("resnet50", w.architecture());
        assertEquals("resnet50.IMAGENET1K_V2", w.displayName());
        assertEquals("resnet50-11ad3fa6.pth", w.fileName());
        assertEquals("https://download.pytorch.org/models/resnet50-11ad3fa6.pth", w.url().toString());
        assertEquals("11ad3fa6", w.sha256Prefix());
        assertEquals(80.858, w.acc1());
        assertEquals(95.434, w.acc5());
        assertEquals(25_557_032L, w.numParams());
        assertEquals("f37072fd", KnownWeights.RESNET18_IMAGENET1K_V1.sha256Prefix());
        assertEquals("resnet152-394f9c45.pth", KnownWeights.RESNET152_IMAGENET1K_V1.fileName());
        assertEquals(17, KnownWeights.names().size());
        KnownWeights x = KnownWeights.RESNEXT101_64X4D_IMAGENET1K_V1;
        assertEquals("https://download.pytorch.org/models/resnext101_64x4d-173b62eb.pth", x.url().toString());
        assertEquals("173b62eb", x.sha256Prefix());
        assertEquals(83.246, x.acc1());
        assertEquals(232, x.preset().resize(), "torchvision evaluates it at Resize 232");
        assertEquals(83_455_272L, x.numParams());
        assertEquals("d733dc28", KnownWeights.WIDE_RESNET101_2_IMAGENET1K_V2.sha256Prefix());
        assertEquals(81.198, KnownWeights.RESNEXT50_32X4D_IMAGENET1K_V2.acc1());
        assertEquals(78.468, KnownWeights.WIDE_RESNET50_2_IMAGENET1K_V1.acc1());
        assertEquals(81.602, KnownWeights.WIDE_RESNET50_2_IMAGENET1K_V2.acc1());
        assertEquals(77.618, KnownWeights.RESNEXT50_32X4D_IMAGENET1K_V1.acc1());
        for (KnownWeights k : KnownWeights.values()) {
            // Parameter counts are the network's own: the table and the enum agree.
            assertEquals(k.numParams(), dev.ferry.model.ResNet.create(dev.ferry.model.ResNetConfig.of(
                    dev.ferry.model.Architecture.parse(k.architecture()), 1000)).parameterCount(), k.name());
            assertEquals(k.variant().equals("IMAGENET1K_V2") || k == KnownWeights.RESNEXT101_64X4D_IMAGENET1K_V1 ? 232 : 256,
                    k.preset().resize(), k.name());
        }
        for (KnownWeights k : KnownWeights.values()) {
            assertTrue(k.fileName().startsWith(k.architecture() + "-"), k.fileName());
            assertEquals(8, k.sha256Prefix().length(), k.name());
            assertEquals(k.name(), k.architecture().toUpperCase() + "_" + k.variant());
        }
    }

    @Test
    void presetsAndDefaults() {
        dev.ferry.data.Preset v1 = KnownWeights.RESNET50_IMAGENET1K_V1.preset();
        dev.ferry.data.Preset v2 = KnownWeights.RESNET50_IMAGENET1K_V2.preset();
        assertEquals(256, v1.resize());
        assertEquals(232, v2.resize());
        assertEquals(224, v1.crop());
        assertEquals(224, v2.crop());
        assertEquals(dev.ferry.data.Interpolation.BILINEAR, v2.interpolation());
        assertEquals(false, v2.exifTranspose(), "torchvision's preset ignores EXIF orientation");
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, v2.mean());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, v2.std());
        v2.mean()[0] = 9f;
        assertEquals(0.485f, v2.mean()[0], "mean is copied");
        assertTrue(KnownWeights.RESNET18_IMAGENET1K_V1.isDefault());
        assertTrue(KnownWeights.RESNET34_IMAGENET1K_V1.isDefault());
        assertFalse(KnownWeights.RESNET50_IMAGENET1K_V1.isDefault());
        assertTrue(KnownWeights.RESNET152_IMAGENET1K_V2.isDefault());
        assertSame(KnownWeights.RESNET101_IMAGENET1K_V2, KnownWeights.defaultFor("resnet101"));
        assertThrows(InputException.class, () -> KnownWeights.defaultFor("vgg16"));
    }

    @Test
    void thousandImageNetCategories() {
        List<String> categories = KnownWeights.RESNET34_IMAGENET1K_V1.categories();
        assertEquals(1000, categories.size());
        assertEquals("tench", categories.get(0));
        assertEquals("goldfish", categories.get(1));
        assertEquals("toilet tissue", categories.get(999));
        assertEquals("crane bird", categories.get(134));
        assertEquals("crane", categories.get(517));
        assertEquals(1000, new HashSet<>(categories).size(), "torchvision 0.14's names are unique");
        assertSame(categories, KnownWeights.RESNET50_IMAGENET1K_V2.categories(), "loaded once");
        assertThrows(UnsupportedOperationException.class, () -> categories.set(0, "x"));
    }
}
