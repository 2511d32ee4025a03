package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The matrix-product path computes libtorch's 1x1 convolution, forward and backward. The reference
 * is libtorch's float64 convolution, which never runs on oneDNN (oneDNN has no float64
 * convolutions), so the comparison holds on every machine, including those where oneDNN's float32
 * 1x1 kernels fail.
 */
class PointwiseConvTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
        Engines.seed(5);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @ParameterizedTest
    @CsvSource({
        // batch, in, out, stride, side, channels-last, bias
        "4, 8, 8, 2, 16, true, false",
        "2, 128, 512, 1, 28, true, false",
        "2, 256, 1024, 1, 14, true, true",
        "2, 512, 1024, 2, 28, true, false",
        "3, 16, 24, 2, 9, false, true",
        "1, 64, 32, 1, 7, false, false"
    })
    void equalsTheFloat64Convolution(int batch, int in, int out, int stride, int side, boolean channelsLast, boolean bias) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(batch, in, side, side));
            NDArray w = m.randomNormal(0f, 0.1f, new Shape(out, in, 1, 1), DataType.FLOAT32);
            NDArray b = bias ? m.randomNormal(new Shape(out)) : null;
            int outSide = (side - 1) / stride + 1;
            NDArray g = m.randomNormal(new Shape(batch, out, outSide, outSide));
            NDArray[] reference = run(m, x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true),
                    b == null ? null : b.toType(DataType.FLOAT64, true), g.toType(DataType.FLOAT64, true), stride, null);
            NDArray xf = channelsLast ? ConvLayout.channelsLastCopy(x) : x.duplicate();
            NDArray[] gemm = run(m, xf, w.duplicate(), b == null ? null : b.duplicate(), g, stride, PointwiseConv.GEMM);
            String[] what = {"output", "weight gradient", "input gradient", "bias gradient"};
            for (int i = 0; i < (bias ? 4 : 3); i++) {
                double err = relative(gemm[i], reference[i]);
                assertTrue(err < 2e-6, what[i] + " differs by " + err);
            }
            assertEquals(new Shape(batch, out, outSide, outSide), gemm[0].getShape());
        }
    }

    @org.junit.jupiter.api.Test
    void pathsParseByName() {
        assertEquals(PointwiseConv.GEMM, PointwiseConv.parse(" GEMM"));
        assertEquals(PointwiseConv.ONEDNN, PointwiseConv.parse("onednn"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PointwiseConv.parse("mkl"));
        assertTrue(e.getMessage().contains("'mkl'"), e.getMessage());
    }

    /** Output and gradients; {@code path} null means libtorch's convolution (the float64 reference). */
    private static NDArray[] run(NDManager m, NDArray x, NDArray w, NDArray b, NDArray g, int stride, PointwiseConv path) {
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        if (b != null) {
            b.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
            NDArray y = path == null
                    ? Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow()
                    : path.apply(x, w, b, stride);
            gc.backward(y.mul(g).sum());
            return new NDArray[] {
                y.toType(DataType.FLOAT64, true), w.getGradient().toType(DataType.FLOAT64, true),
                x.getGradient().toType(DataType.FLOAT64, true),
                b == null ? null : b.getGradient().toType(DataType.FLOAT64, true)};
        }
    }

    private static double relative(NDArray a, NDArray reference) {
        return a.sub(reference).abs().max().getDouble() / reference.abs().max().getDouble();
    }
}
