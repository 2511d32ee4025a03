package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    /** Each case in its own JVM: one JSON object on stdout, with a peak RSS per case. */
    @Test
    void runsCasesInChildProcessesAndPrintsOneJsonObject() {
        CliHarness.Result r = CliHarness.run("bench", "--arch", "resnet18", "--batch", "2", "--threads", "1",
                "--iters", "1", "--warmup", "0", "--cases", "gemm,infer,train", "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("resnet18", o.get("arch").getAsString());
        assertEquals(2, o.get("batch").getAsInt());
        for (String key : new String[] {"gemm_gflops", "inference_ips", "train_step_ips", "peak_rss_infer_mb",
                "peak_rss_train_mb", "peak_rss_gemm_mb"}) {
            assertTrue(o.has(key) && o.get(key).getAsDouble() > 0, key + " in " + r.out());
        }
        // Separate processes: the training peak is not the inference one carried over.
        assertNotEquals(o.get("peak_rss_infer_mb").getAsDouble(), o.get("peak_rss_train_mb").getAsDouble());
        assertEquals(1, o.get("intra_op_threads").getAsInt());
        assertEquals(1814073344L, o.get("macs").getAsLong());
        assertTrue(o.getAsJsonObject("errors").entrySet().isEmpty());
        assertTrue(o.get("libtorch_version").getAsString().startsWith("2."));
        assertTrue(r.err().contains("bench: infer done"), r.err());
    }

    @Test
    void anImageCaseWithoutImagesIsAUsageError() {
        CliHarness.Result r = CliHarness.run("bench", "--cases", "predict_folder");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("ferry: error: bench case predict_folder needs --images DIR"), r.err());
    }

    @Test
    void aBadValueIsAUsageError() {
        CliHarness.Result r = CliHarness.run("bench", "--batch", "0", "--cases", "gemm");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--batch must be at least 1"), r.err());
    }
}
