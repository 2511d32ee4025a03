package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.platform.ChildJvm;
import dev.ferry.platform.ConvPaths;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ResNet-50's training step and inference at full width, where libtorch's oneDNN 1x1
 * convolutions have killed the JVM (SIGFPE, SIGSEGV) or computed wrong results on some
 * processors. Each run is a child JVM, so a native crash is this test's failure, with the signal
 * and the native frame in its message, and the rest of the suite still runs.
 */
class NativeConvolutionTest {
    private static final Duration LIMIT = Duration.ofMinutes(4);

    @ParameterizedTest
    @CsvSource({"2, 224", "16, 160"})
    void resnet50TrainsAndInfersOnThisMachinesPath(int batch, int side) throws IOException {
        Map<String, Double> machine = step(batch, side, Map.of());
        assertEquals(ConvPaths.current().pointwise().ordinal(), machine.get("pointwise").intValue(),
                "the child decided as this JVM did");
        assertTrue(machine.get("inference") < 1e-4,
                "NCHW and both layouts of the BN-folded copy differ by " + machine.get("inference"));
        assertTrue(machine.get("loss") > 0.5 && machine.get("loss") < 20, "loss " + machine.get("loss"));
        machine.forEach((k, v) -> {
            if (k.startsWith("grad ")) {
                assertTrue(v > 0 && Double.isFinite(v), k + " = " + v);
            }
        });
        // The matrix-product path is the same function: where this machine runs oneDNN's 1x1
        // kernels the two agree to rounding, where it does not this is the path itself.
        Map<String, Double> gemm = step(batch, side, Map.of(ConvPaths.ENVIRONMENT, "gemm"));
        for (Map.Entry<String, Double> e : machine.entrySet()) {
            if (e.getKey().equals("pointwise") || e.getKey().equals("inference")) {
                continue;
            }
            double a = e.getValue();
            double b = gemm.get(e.getKey());
            assertTrue(Math.abs(a - b) <= 1e-3 * Math.abs(b), e.getKey() + ": " + a + " on this machine's path, "
                    + b + " on the matrix product");
        }
    }

    private static Map<String, Double> step(int batch, int side, Map<String, String> env) throws IOException {
        ChildJvm.Outcome o = ChildJvm.run(ResNet50Step.class.getName(), List.of("-Xmx1g"),
                List.of(Integer.toString(batch), Integer.toString(side)), env, LIMIT);
        assertTrue(o.ok(), "ResNet-50 batch " + batch + " at " + side + " px " + env + ": the child " + o.describe()
                + "\n" + tail(o.output()));
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : o.output().split("\n")) {
            String[] f = line.trim().split(" ");
            if (f[0].equals("pointwise")) {
                values.put("pointwise", (double) dev.ferry.platform.PointwiseConv.parse(f[1]).ordinal());
            } else if (f[0].equals("loss") || f[0].equals("inference")) {
                values.put(f[0], Double.parseDouble(f[1]));
            } else if (f[0].equals("grad")) {
                values.put("grad " + f[1], Double.parseDouble(f[2]));
            }
        }
        assertEquals(9, values.size(), "the child printed every number: " + o.output());
        return values;
    }

    private static String tail(String output) {
        return output.length() <= 2000 ? output : output.substring(output.length() - 2000);
    }
}
