package dev.ferry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class BenchCaseTest {

    @Test
    void defaultCasesDependOnTheImageFolder() {
        assertEquals(List.of(BenchCase.GEMM, BenchCase.INFER, BenchCase.TRAIN), BenchCase.select(null, false));
        assertEquals(List.of(BenchCase.GEMM, BenchCase.INFER, BenchCase.TRAIN, BenchCase.PREDICT_FOLDER,
                BenchCase.PREDICT_ONE, BenchCase.FE_NOCACHE, BenchCase.FE_CACHED), BenchCase.select(null, true));
    }

    @Test
    void selectionKeepsEnumOrderAndDropsDuplicates() {
        assertEquals(List.of(BenchCase.GEMM, BenchCase.INFER_UNFUSED, BenchCase.TRAIN),
                BenchCase.select("train, infer_unfused,GEMM,train", false));
    }

    @Test
    void badSelectionsAreInputErrors() {
        InputException unknown = assertThrows(InputException.class, () -> BenchCase.select("gemm,nope", true));
        assertTrue(unknown.getMessage().contains("nope"));
        InputException images = assertThrows(InputException.class, () -> BenchCase.select("fe_cached", false));
        assertTrue(images.getMessage().contains("--images"));
    }

    @Test
    void optionsAreValidated() {
        assertThrows(InputException.class, () -> new BenchOptions(Architecture.RESNET18, 0, 1, 1, 0, 1, 1, 0, null, null));
        assertThrows(InputException.class, () -> new BenchOptions(Architecture.RESNET18, 1, 1, 1, -1, 1, 1, 0, null, null));
        assertThrows(InputException.class, () -> new BenchOptions(Architecture.RESNET18, 1, 0, 1, 0, 1, 1, 0, null, null));
    }

    @Test
    void childArgumentsCarryEverySetting() {
        BenchOptions o = new BenchOptions(Architecture.RESNET34, 8, 3, 4, 1, 2, 5, 9, Path.of("/data/imgs"), null);
        List<String> a = BenchRunner.caseArguments(o, BenchCase.FE_CACHED);
        assertEquals(List.of("--case", "fe_cached", "--arch", "resnet34", "--batch", "8", "--threads", "3",
                "--iters", "4", "--warmup", "1", "--passes", "2", "--epochs", "5", "--seed", "9",
                "--images", Path.of("/data/imgs").toAbsolutePath().toString()), a);
        List<String> w = BenchRunner.caseArguments(o.withWeights(Path.of("/tmp/w.safetensors")), BenchCase.PREDICT_ONE);
        assertEquals(List.of("--weights", Path.of("/tmp/w.safetensors").toAbsolutePath().toString()),
                w.subList(w.size() - 2, w.size()));
    }

    @Test
    void theChildResultIsTheLastJsonLine() {
        assertEquals(3.5, BenchRunner.lastJsonLine("noise\n{\"a\": 1}\n{\"x\": 3.5}\n\n").get("x").getAsDouble());
        assertEquals(null, BenchRunner.lastJsonLine("{\"a\": 1}\nnot json\n"));
        assertEquals(null, BenchRunner.lastJsonLine(""));
        assertEquals(null, BenchRunner.lastJsonLine("[1, 2]"));
    }

    @Test
    void statusLinesParseToMiB() {
        List<String> status = List.of("Name:\tjava", "VmPeak:\t 9000 kB", "VmHWM:\t  204800 kB", "VmRSS:\t 1024 kB");
        assertEquals(OptionalDouble.of(200.0), ProcessStats.parseStatusKiB(status, "VmHWM:"));
        assertEquals(OptionalDouble.of(1.0), ProcessStats.parseStatusKiB(status, "VmRSS:"));
        assertEquals(OptionalDouble.empty(), ProcessStats.parseStatusKiB(status, "VmSwap:"));
        // On Linux the live value is there and positive.
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            assertTrue(ProcessStats.peakRssMiB().orElseThrow() > 0);
        }
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Timing.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Timing.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertThrows(IllegalArgumentException.class, () -> Timing.median(List.of()));
    }
}
