package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsCommandTest {

    @Test
    void listGivesEveryKnownEntryWithTorchvisionsNumbers(@TempDir Path cache) {
        CliHarness.Result r = CliHarness.run("weights", "list", "--cache", cache.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonArray all = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("weights");
        assertEquals(17 + 6, all.size(), "torchvision's and the hub's known entries");
        JsonObject timm = find(all, "hf-hub:timm/resnet152.a1h_in1k");
        assertEquals(60_192_808L, timm.get("params").getAsLong());
        assertEquals(82.80, timm.get("acc1").getAsDouble());
        assertEquals("bicubic 235/224", timm.get("preset").getAsString());
        assertTrue(timm.get("url").getAsString().equals("https://huggingface.co/timm/resnet152.a1h_in1k/resolve/main/model.safetensors"),
                timm.get("url").getAsString());
        assertTrue(timm.get("path").getAsString().endsWith("weights/hf-hub/timm--resnet152.a1h_in1k/main/model.safetensors"));
        JsonObject r50 = find(all, "resnet50.IMAGENET1K_V2");
        assertEquals(25_557_032L, r50.get("params").getAsLong());
        // torchvision's published GFLOPS for ResNet-50: 4.09 (multiply-accumulates at 224).
        assertEquals(4.089, r50.get("gmacs").getAsDouble(), 0.001);
        assertEquals("bilinear 232/224", r50.get("preset").getAsString());
        assertFalse(r50.get("cached").getAsBoolean());
        assertEquals(25_557_032L * 4, r50.get("bytes").getAsLong(), "the float32 estimate while not cached");
        JsonObject x = find(all, "resnext101_64x4d.IMAGENET1K_V1");
        assertEquals(83_455_272L, x.get("params").getAsLong());
        assertEquals(15.46, x.get("gmacs").getAsDouble(), 0.005);
        assertEquals(83.246, x.get("acc1").getAsDouble());
        assertEquals(22.75, find(all, "wide_resnet101_2.IMAGENET1K_V2").get("gmacs").getAsDouble(), 0.005);

        CliHarness.Result text = CliHarness.run("weights", "list", "--cache", cache.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("wide_resnet50_2.IMAGENET1K_V2      wide_resnet50_2      68.9M   11.40  81.602"), text.out());
        assertTrue(text.out().contains("hf-hub:timm/resnet50.a1_in1k       resnet50             25.6M    4.09  80.380  94.600 bicubic 235/224"),
                text.out());
    }

    @Test
    void verifyFlagsACorruptedFileAndExitsOne(@TempDir Path cache) throws IOException {
        Path weights = Files.createDirectories(cache.resolve("weights"));
        Files.writeString(weights.resolve("resnet18-f37072fd.pth"), "not the weights");
        Files.writeString(weights.resolve("mine.safetensors"), "someone's own file");
        Files.writeString(weights.resolve(".resnet50-0676ba61.pth.part"), "a download in progress");
        CliHarness.Result r = CliHarness.run("weights", "verify", "--cache", cache.toString(), "--json");
        assertEquals(1, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertFalse(o.get("ok").getAsBoolean());
        JsonArray files = o.getAsJsonArray("files");
        assertEquals(2, files.size(), "hidden downloads in progress are not checked");
        JsonObject mine = files.get(0).getAsJsonObject();
        assertEquals("UNKNOWN", mine.get("status").getAsString());
        JsonObject bad = files.get(1).getAsJsonObject();
        assertEquals("MISMATCH", bad.get("status").getAsString());
        assertEquals("resnet18.IMAGENET1K_V1", bad.get("name").getAsString());
        assertEquals("f37072fd", bad.get("expectedPrefix").getAsString());
        // sha256 of "not the weights"
        assertEquals(64, bad.get("sha256").getAsString().length());

        CliHarness.Result text = CliHarness.run("weights", "verify", "--cache", cache.toString());
        assertEquals(1, text.code());
        assertTrue(text.out().contains("mismatch ") && text.out().contains("does not start with f37072fd; delete it and fetch it again"), text.out());

        Files.delete(weights.resolve("resnet18-f37072fd.pth"));
        assertEquals(0, CliHarness.run("weights", "verify", "--cache", cache.toString()).code(), "an unknown file alone is no failure");
    }

    @Test
    void fetchOfAnUnknownNameIsAOneLineUsageError(@TempDir Path cache) {
        CliHarness.Result r = CliHarness.run("weights", "fetch", "resnext50_32x8d", "--cache", cache.toString());
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("ferry: error: unknown pretrained weights 'resnext50_32x8d'"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    private static JsonObject find(JsonArray all, String name) {
        for (JsonElement e : all) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no " + name);
    }
}
