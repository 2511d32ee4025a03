package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class SummaryCommandTest {

    @Test
    void resnet50Table() {
        CliHarness.Result r = CliHarness.run("summary", "--arch", "resnet50");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[1x1, 64; 3x3, 64; 1x1, 256] x 3"), r.out());
        assertTrue(r.out().contains("[1x1, 512; 3x3, 512; 1x1, 2048] x 3"), r.out());
        assertTrue(r.out().contains("64x112x112"), r.out());
        assertTrue(r.out().contains("2048x7x7"), r.out());
        assertTrue(r.out().contains("25,557,032"), r.out());
        assertTrue(r.out().contains("4,089,184,256 (4.089e9)"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void resnextAndWideResnetTables() {
        CliHarness.Result x = CliHarness.run("summary", "--arch", "resnext50_32x4d");
        assertEquals(0, x.code(), x.err());
        assertTrue(x.out().startsWith("ResNeXt-50 (32x4d) (bottleneck blocks [3, 4, 6, 3], 32 groups of 4, width 64,"), x.out());
        // The ResNeXt paper's Table 1, conv2 and conv5.
        assertTrue(x.out().contains("[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3"), x.out());
        assertTrue(x.out().contains("[1x1, 1024; 3x3, 1024, C=32; 1x1, 2048] x 3"), x.out());
        assertTrue(x.out().contains("total params      25,028,904"), x.out());
        assertTrue(x.out().contains("4,230,479,872 (4.230e9)"), x.out());

        CliHarness.Result w = CliHarness.run("summary", "--arch", "Wide ResNet-101-2", "--json");
        assertEquals(0, w.code(), w.err());
        JsonObject o = JsonParser.parseString(w.out()).getAsJsonObject();
        assertEquals("wide_resnet101_2", o.get("arch").getAsString());
        assertEquals(126_886_696L, o.get("params").getAsLong());
        assertEquals(22_753_050_624L, o.get("macs").getAsLong());
        assertEquals(1, o.get("groups").getAsInt());
        assertEquals(128, o.get("widthPerGroup").getAsInt());
        assertEquals("[1x1, 512; 3x3, 512; 1x1, 1024] x 23",
                o.getAsJsonArray("stages").get(4).getAsJsonObject().get("blocks").getAsString());

        // A narrow ResNeXt keeps its group width: 16 / 64 of 32 groups.
        CliHarness.Result n = CliHarness.run("summary", "--arch", "resnext101_64x4d", "--width", "16", "--json");
        assertEquals(0, n.code(), n.err());
        assertEquals(16, JsonParser.parseString(n.out()).getAsJsonObject().get("groups").getAsInt());
        CliHarness.Result bad = CliHarness.run("summary", "--arch", "resnext50_32x4d", "--width", "24");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("ferry: error: width 24 does not fit resnext50_32x4d"), bad.err());
    }

    @Test
    void jsonIsOneObjectOnStdout() {
        CliHarness.Result r = CliHarness.run("summary", "--arch", "ResNet-101", "--num-classes", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("resnet101", o.get("arch").getAsString());
        // 44,549,160 - 2048 * 1000 - 1000 + 2048 * 10 + 10
        assertEquals(44_549_160L - 2_049_000L + 20_490L, o.get("params").getAsLong());
        assertEquals(o.get("params").getAsLong(), o.get("trainableParams").getAsLong());
        assertEquals(7_801_405_440L - 2_048_000L + 20_480L, o.get("macs").getAsLong());
        assertEquals(7, o.getAsJsonArray("stages").size(), "conv1, maxpool, layer1-4, head");
        assertEquals("[1x1, 256; 3x3, 256; 1x1, 1024] x 23",
                o.getAsJsonArray("stages").get(4).getAsJsonObject().get("blocks").getAsString());
    }

    @Test
    void smallStemAt28() {
        CliHarness.Result r = CliHarness.run(
                "summary", "--arch", "resnet50", "--width", "16", "--stem", "small", "--input", "3x28x28", "--num-classes", "5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(1_481_621L, o.get("params").getAsLong());
        assertEquals(512, o.get("featureDim").getAsInt());
    }

    @Test
    void unknownArchitectureIsAOneLineUsageError() {
        CliHarness.Result r = CliHarness.run("summary", "--arch", "resnet42");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("ferry: error: ") && r.err().contains("resnet42"), r.err());
        assertTrue(r.err().lines().count() <= 2, r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }

    @Test
    void malformedInputIsAUsageError() {
        for (String bad : new String[] {"3x224", "axbxc", "1x224x224", "3x0x224", "3x224x224x2"}) {
            CliHarness.Result r = CliHarness.run("summary", "--arch", "resnet18", "--input", bad);
            assertEquals(2, r.code(), bad);
            assertTrue(r.err().contains("'" + bad + "'"), r.err());
        }
        CliHarness.Result tiny = CliHarness.run("summary", "--arch", "resnet18", "--input", "8");
        assertEquals(2, tiny.code());
        assertTrue(tiny.err().contains("too small"), tiny.err());
    }
}
