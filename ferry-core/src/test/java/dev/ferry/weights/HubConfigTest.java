package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What ferry reads from a timm {@code config.json} and a hub reference. */
class HubConfigTest {

    private static String cfg(String pretrained) {
        return "{\"architecture\": \"resnet50\", \"num_classes\": 1000, \"pretrained_cfg\": {" + pretrained + "}}";
    }

    private static final String MEAN_STD = "\"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225]";

    @Test
    void timmsEvalTransformIsResizeOfSizeOverCropPctThenCentreCrop() {
        HubConfig a1 = HubConfig.parse(HubCacheTest.config("resnet50", 1000, false), "config.json");
        // floor(224 / 0.95) = 235; floor(288 / 1.0) = 288.
        assertEquals(new Preset(235, 224, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f},
                Interpolation.BICUBIC), a1.preset());
        assertEquals(288, a1.testPreset().resize());
        assertEquals(288, a1.testPreset().crop());
        assertNull(a1.labels());

        // The a1h weights were trained at 176 with crop_pct 0.9: floor(176 / 0.9) = 195.
        HubConfig a1h = HubConfig.parse(cfg("\"input_size\": [3, 176, 176], \"crop_pct\": 0.9, \"interpolation\": \"bicubic\", "
                + "\"test_input_size\": [3, 224, 224], \"test_crop_pct\": 1.0, " + MEAN_STD), "c");
        assertEquals(195, a1h.preset().resize());
        assertEquals(176, a1h.preset().crop());
        assertEquals(224, a1h.testPreset().resize());
        assertEquals(224, a1h.testPreset().crop());

        // No crop_pct or interpolation: timm's defaults, 0.875 and bilinear (224 / 0.875 = 256).
        HubConfig plain = HubConfig.parse(cfg("\"input_size\": [3, 224, 224], " + MEAN_STD), "c");
        assertEquals(256, plain.preset().resize());
        assertEquals(Interpolation.BILINEAR, plain.preset().interpolation());
        assertNull(plain.testPreset());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, plain.preset().std());
    }

    @Test
    void whatFerryCannotReproduceIsRefusedInOneLine() {
        Map<String, String> bad = Map.of(
                cfg("\"input_size\": [3, 224, 224], \"crop_mode\": \"squash\", " + MEAN_STD), "crop_mode 'squash' is not supported",
                cfg("\"input_size\": [3, 224, 192], " + MEAN_STD), "input_size",
                cfg("\"input_size\": [3, 224, 224], \"crop_pct\": 1.5, " + MEAN_STD), "crop_pct must be in (0, 1], got 1.5",
                cfg("\"input_size\": [3, 224, 224], \"interpolation\": \"lanczos\", " + MEAN_STD), "lanczos",
                cfg("\"input_size\": [3, 224, 224], \"mean\": [0.5], \"std\": [0.229, 0.224, 0.225]"), "mean",
                "{\"architecture\": \"resnet50\", \"num_classes\": 2, \"label_names\": [\"a\"], \"pretrained_cfg\": {\"input_size\": [3, 224, 224], "
                        + MEAN_STD + "}}", "label_names has 1 names for 2 classes",
                "{\"architecture\": \"resnet50\", \"num_classes\": 1000}", "no pretrained_cfg object",
                "[1, 2]", "not a JSON object",
                "{\"architecture\": \"resnet50\", \"num_classes\": \"many\", \"pretrained_cfg\": {}}", "num_classes");
        bad.forEach((json, why) -> {
            InputException e = assertThrows(InputException.class, () -> HubConfig.parse(json, "repo/config.json"), json);
            assertTrue(e.getMessage().startsWith("repo/config.json: "), e.getMessage());
            assertTrue(e.getMessage().contains(why), json + " -> " + e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        });
    }

    @Test
    void referencesParseToTheHubsUrlLayout() {
        HubReference r = HubReference.parse("hf-hub:timm/resnet50.a1_in1k");
        assertEquals(new HubReference("timm", "resnet50.a1_in1k", "main"), r);
        assertEquals("timm/resnet50.a1_in1k", r.repository());
        assertEquals("hf-hub:timm/resnet50.a1_in1k", r.spec());
        assertEquals(URI.create("https://huggingface.co/timm/resnet50.a1_in1k/resolve/main/model.safetensors"),
                r.fileUri(HubCache.DEFAULT_ENDPOINT, HubCache.WEIGHTS));
        assertEquals(URI.create("http://mirror.example:8080/hf/timm/resnet50.a1_in1k/resolve/v2/config.json"),
                r.at("v2").fileUri(URI.create("http://mirror.example:8080/hf"), HubCache.CONFIG));
        assertEquals("timm--resnet50.a1_in1k", r.folderName());
        assertTrue(HubReference.parse("HF-HUB:me/net@0123456789abcdef0123456789abcdef01234567").pinned());
        assertEquals("hf-hub:me/net@v1.0", HubReference.parse("hf-hub:me/net@v1.0").spec());

        for (String spec : new String[] {"hf-hub:resnet50", "hf-hub:a/b/c", "hf-hub:timm/..", "hf-hub:timm/x@", "hf-hub:timm/x y",
                "hf-hub:/x", "timm/resnet50"}) {
            InputException e = assertThrows(InputException.class, () -> HubReference.parse(spec), spec);
            assertTrue(e.getMessage().contains(spec), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void theEndpointComesFromHfEndpointWhenSet() {
        assertEquals(HubCache.DEFAULT_ENDPOINT, HubCache.endpoint(Map.of()));
        assertEquals(URI.create("http://127.0.0.1:9/"), HubCache.endpoint(Map.of("HF_ENDPOINT", " http://127.0.0.1:9/ ")));
        InputException e = assertThrows(InputException.class, () -> HubCache.endpoint(Map.of("HF_ENDPOINT", "mirror")));
        assertEquals("HF_ENDPOINT is not a URL: mirror", e.getMessage());
    }

    @Test
    void knownEntriesAreFoundByTheirHubNameOrBareTag() {
        assertEquals(HubWeights.RESNET50_A1_IN1K, HubWeights.find("hf-hub:timm/resnet50.a1_in1k"));
        assertEquals(HubWeights.RESNET152_A1H_IN1K, HubWeights.find("resnet152.a1h_in1k"));
        assertEquals(HubWeights.RESNET50_A1_IN1K, HubWeights.find("hf-hub:timm/resnet50.a1_in1k@main"));
        assertNull(HubWeights.find("hf-hub:someone/resnet50.a1_in1k"));
        assertNull(HubWeights.find("resnet50.IMAGENET1K_V2"));
        assertEquals(80.38, HubWeights.RESNET50_A1_IN1K.acc1());
        assertEquals(82.80, HubWeights.RESNET152_A1H_IN1K.acc1());
        Preset p = HubWeights.RESNET50_A1_IN1K.preset();
        assertEquals(235, p.resize());
        assertEquals(224, p.crop());
        assertEquals(Interpolation.BICUBIC, p.interpolation());
    }
}
