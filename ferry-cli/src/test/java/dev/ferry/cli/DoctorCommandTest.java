package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.platform.BuildInfo;
import dev.ferry.platform.ConvPaths;
import dev.ferry.platform.CpuInfo;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {

    @Test
    void textNamesTheMachineAndThePathChosen() {
        CliHarness.Result r = CliHarness.run("doctor");
        assertEquals(0, r.code(), r.err());
        CpuInfo cpu = CpuInfo.current();
        assertTrue(r.out().startsWith("ferry " + BuildInfo.current().ferry() + "\n"), r.out());
        assertTrue(r.out().contains("cpu          " + cpu.describe() + "\n"), r.out());
        assertTrue(r.out().contains("libtorch     2.7.1 (oneDNN 3.7.1) via DJL 0.36.0"), r.out());
        assertTrue(r.out().contains("onnxruntime  1.23.2\n"), r.out());
        assertTrue(r.out().contains("conv 1x1     " + ConvPaths.current().pointwise().id()
                + " (" + ConvPaths.current().basisName() + ")\n"), r.out());
        assertTrue(r.out().contains("  why        " + ConvPaths.current().reason() + "\n"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void jsonIsOneObjectOnStdout() {
        CliHarness.Result r = CliHarness.run("doctor", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        CpuInfo cpu = CpuInfo.current();
        assertEquals(cpu.family(), o.getAsJsonObject("cpu").get("family").getAsInt());
        assertEquals(cpu.flags().size(), o.getAsJsonObject("cpu").getAsJsonArray("flags").size());
        assertEquals("3.7.1", o.getAsJsonObject("native").get("onednn").getAsString());
        assertEquals(ConvPaths.current().pointwise().id(), o.getAsJsonObject("convolutions").get("pointwise").getAsString());
        assertEquals("", r.err());
    }
}
