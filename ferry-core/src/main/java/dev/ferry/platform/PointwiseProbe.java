package dev.ferry.platform;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Locale;

/**
 * The child-JVM half of {@link ConvPaths}' probe: every 1x1 convolution shape of ResNet-50 (and so
 * of ResNet-101/152, which repeat them), channels-last, forward and backward, at batch 2 on 224
 * pixel images and batch 16 on 128 pixel ones, through oneDNN ({@link PointwiseConv#ONEDNN}) and
 * compared with the matrix-product path ({@link PointwiseConv#GEMM}).
 *
 * <p>It prints {@code ok N} and exits 0 when all N agree to 1e-3 relative; it prints the first
 * disagreement and exits {@value #WRONG} when oneDNN computes a wrong result (seen on AMD Zen 5:
 * 42% off for the 128 -> 512 expansion at batch 16); where oneDNN kills the process (seen on the
 * same machine: SIGFPE in its brgemm blocking heuristic, SIGSEGV in a backward kernel) only the
 * parent sees it.
 */
public final class PointwiseProbe {
    /** The exit status for a wrong result. */
    public static final int WRONG = 3;
    private static final double TOLERANCE = 1e-3;

    /** in, out, stride, output side at 224 pixels: ResNet-50's 1x1 convolutions, each shape once. */
    static final List<int[]> CONVOLUTIONS = List.of(
            new int[] {64, 64, 1, 56}, new int[] {64, 256, 1, 56}, new int[] {256, 64, 1, 56},
            new int[] {256, 128, 1, 56}, new int[] {128, 512, 1, 28}, new int[] {512, 128, 1, 28},
            new int[] {256, 512, 2, 28}, new int[] {512, 256, 1, 28}, new int[] {256, 1024, 1, 14},
            new int[] {1024, 256, 1, 14}, new int[] {512, 1024, 2, 14}, new int[] {1024, 512, 1, 14},
            new int[] {512, 2048, 1, 7}, new int[] {2048, 512, 1, 7}, new int[] {1024, 2048, 2, 7});

    /** (batch, image side) pairs the shapes run at. */
    static final int[][] SIZES = {{2, 224}, {16, 128}};

    private PointwiseProbe() {}

    /** How many convolutions a complete run checks. */
    static int count() {
        return CONVOLUTIONS.size() * SIZES.length;
    }

    public static void main(String[] args) {
        Engine engine = Engines.engine(0);
        engine.setRandomSeed(1);
        int ran = 0;
        try (NDManager root = engine.newBaseManager()) {
            for (int[] size : SIZES) {
                for (int[] c : CONVOLUTIONS) {
                    int side = Math.max(1, c[3] * size[1] / 224);
                    try (NDManager m = root.newSubManager()) {
                        String wrong = check(engine, m, size[0], c[0], c[1], c[2], side);
                        if (wrong != null) {
                            System.out.println("wrong " + wrong);
                            System.out.flush();
                            System.exit(WRONG);
                        }
                    }
                    ran++;
                }
            }
        }
        System.out.println("ok " + ran);
    }

    /** Null when both paths agree; otherwise what differs. */
    private static String check(Engine engine, NDManager m, int batch, int in, int out, int stride, int side) {
        int inSide = side * stride;
        NDArray x = m.randomNormal(new Shape(batch, in, inSide, inSide));
        NDArray w = m.randomNormal(0f, 0.05f, new Shape(out, in, 1, 1), DataType.FLOAT32);
        NDArray g = m.randomNormal(new Shape(batch, out, side, side));
        NDArray[] onednn = run(engine, PointwiseConv.ONEDNN, x, w, g, stride);
        NDArray[] gemm = run(engine, PointwiseConv.GEMM, x, w, g, stride);
        String[] names = {"output", "weight gradient", "input gradient"};
        for (int i = 0; i < names.length; i++) {
            double err = relative(onednn[i], gemm[i]);
            if (!(err <= TOLERANCE)) {
                return String.format(Locale.ROOT, "%s of the %d -> %d 1x1 convolution (stride %d, batch %d, %dx%d): "
                        + "oneDNN and the matrix product differ by %.2g relative", names[i], in, out, stride, batch,
                        inSide, inSide, err);
            }
        }
        return null;
    }

    private static NDArray[] run(Engine engine, PointwiseConv path, NDArray x0, NDArray w0, NDArray g, int stride) {
        NDArray x = ConvLayout.channelsLastCopy(x0);
        NDArray w = w0.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (GradientCollector gc = engine.newGradientCollector()) {
            NDArray y = path.apply(x, w, null, stride);
            gc.backward(y.mul(g).sum());
            return new NDArray[] {y.duplicate(), w.getGradient().duplicate(), x.getGradient().duplicate()};
        }
    }

    private static double relative(NDArray a, NDArray reference) {
        double scale = reference.abs().max().getFloat();
        double diff = a.sub(reference).abs().max().getFloat();
        return diff / Math.max(scale, Float.MIN_NORMAL);
    }
}
