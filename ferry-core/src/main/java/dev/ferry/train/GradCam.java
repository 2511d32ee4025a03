package dev.ferry.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import dev.ferry.model.ResNet;
import dev.ferry.model.Stage;
import dev.ferry.platform.Engines;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization") of a ferry {@link ResNet} at one of its stages, on DJL's autograd.
 *
 * <p>With A the stage's output activations (C x h x w) in inference mode (BatchNorm on its running
 * statistics) and g = d(logit of the target class)/dA, each channel's weight is the mean of its
 * gradient over the positions, alpha_k = mean_ij g_k(i, j), and the map is
 * cam = ReLU(sum_k alpha_k A_k), scaled to [0, 1] by (cam - min) / (max - min). The gradient is
 * taken with respect to A itself: the activations are detached from the stem and earlier stages
 * (which need no gradient) and the rest of the network runs from them.
 *
 * <p>Deliberate differences from pytorch-grad-cam's {@code GradCAM}: its normalisation divides by
 * {@code max + 1e-7} after subtracting the minimum, this one by the range itself, and a map that is
 * constant (every position equal, typically all zero after the ReLU: no position speaks for the
 * class) is returned as zeros with {@link Cam#constant()} set rather than as a near-zero division.
 *
 * <p>The network's parameters are frozen while the gradient is taken (nothing but A needs one) and
 * given back their previous state afterwards.
 */
public final class GradCam {
    private GradCam() {}

    /**
     * One image's Grad-CAM.
     *
     * @param stage the stage explained
     * @param targetClass the class explained
     * @param predictedClass the class with the largest logit (ties: the lower index)
     * @param logits the image's logits (before any temperature)
     * @param map the normalised map at the stage's resolution, {@code map[y][x]} in [0, 1]
     * @param constant whether the map before normalisation was constant (then {@code map} is all zero)
     */
    public record Cam(Stage stage, int targetClass, int predictedClass, float[] logits, float[][] map, boolean constant) {
        /** Checks and copies the arrays. */
        public Cam {
            Objects.requireNonNull(stage, "stage");
            logits = logits.clone();
            map = copy(map);
        }

        /** The target class's logit. */
        public float logit() {
            return logits[targetClass];
        }

        /** A copy of the logits. */
        @Override
        public float[] logits() {
            return logits.clone();
        }

        /** A copy of the map. */
        @Override
        public float[][] map() {
            return copy(map);
        }

        /** The map's height: the stage's output resolution. */
        public int height() {
            return map.length;
        }

        /** The map's width. */
        public int width() {
            return map.length == 0 ? 0 : map[0].length;
        }

        /**
         * The map upsampled bilinearly to {@code height} x {@code width} with half-pixel centres (as
         * torch's {@code interpolate(mode="bilinear", align_corners=False)} and OpenCV's
         * {@code resize}): the heat map over the network's input.
         */
        public float[][] upsampled(int height, int width) {
            return bilinear(map, height, width);
        }
    }

    /**
     * Grad-CAM of every image of a batch.
     *
     * @param net the network, initialised; in inference mode throughout
     * @param manager where the pass's arrays live (a sub-manager is used and closed)
     * @param pixels {@code count} normalised images, N x 3 x height x width
     * @param targets per image the class to explain, or a negative value for its predicted class
     * @return one map per image, in order
     * @throws IllegalArgumentException if a target is not one of the network's classes
     */
    public static List<Cam> compute(ResNet net, NDManager manager, float[] pixels, int count, int height, int width,
                                    Stage stage, int[] targets) {
        int classes = net.config().numClasses();
        if (targets.length != count) {
            throw new IllegalArgumentException(targets.length + " targets for " + count + " images");
        }
        for (int t : targets) {
            if (t >= classes) {
                throw new IllegalArgumentException("target class " + t + " of a network with " + classes + " classes");
            }
        }
        Map<Parameter, Boolean> trainable = new LinkedHashMap<>();
        for (Parameter p : net.stateDict().values()) {
            if (p.requiresGradient()) {
                trainable.put(p, true);
                p.freeze(true);
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(count, 3, height, width));
            NDArray a = net.forwardStem(x, false);
            for (int s = 0; s <= stage.index(); s++) {
                NDArray next = net.forwardStage(s, a, false);
                a.close();
                a = next;
            }
            // A leaf of its own, so that its gradient is kept and nothing before it is traced.
            NDArray leaf = a.stopGradient();
            leaf.setRequiresGradient(true);
            float[] logits;
            int[] chosen = new int[count];
            try (GradientCollector gc = Engine.getEngine(Engines.ENGINE).newGradientCollector()) {
                NDArray out = net.forwardFrom(stage.index(), leaf, false);
                logits = out.toFloatArray();
                float[] mask = new float[count * classes];
                for (int i = 0; i < count; i++) {
                    chosen[i] = targets[i] >= 0 ? targets[i] : argmax(logits, i * classes, classes);
                    mask[i * classes + chosen[i]] = 1f;
                }
                // In inference mode the images do not interact, so one backward of the sum of the
                // chosen logits gives each image the gradient of its own.
                try (NDArray m = scope.create(mask, out.getShape()); NDArray picked = out.mul(m).sum()) {
                    gc.backward(picked);
                }
            }
            Shape shape = leaf.getShape();
            int channels = (int) shape.get(1);
            int h = (int) shape.get(2);
            int w = (int) shape.get(3);
            float[] act = leaf.toFloatArray();
            float[] grad = leaf.getGradient().toFloatArray();
            List<Cam> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                float[] row = java.util.Arrays.copyOfRange(logits, i * classes, (i + 1) * classes);
                int offset = i * channels * h * w;
                double[] cam = cam(act, grad, offset, channels, h, w);
                out.add(normalised(stage, chosen[i], argmax(row, 0, classes), row, cam, h, w));
            }
            return out;
        } finally {
            trainable.keySet().forEach(p -> p.freeze(false));
        }
    }

    /** ReLU(sum_k alpha_k A_k) of one image, alpha_k the mean of channel k's gradient, in double precision. */
    static double[] cam(float[] act, float[] grad, int offset, int channels, int h, int w) {
        int plane = h * w;
        double[] cam = new double[plane];
        for (int k = 0; k < channels; k++) {
            int base = offset + k * plane;
            double alpha = 0;
            for (int p = 0; p < plane; p++) {
                alpha += grad[base + p];
            }
            alpha /= plane;
            for (int p = 0; p < plane; p++) {
                cam[p] += alpha * act[base + p];
            }
        }
        for (int p = 0; p < plane; p++) {
            cam[p] = Math.max(0, cam[p]);
        }
        return cam;
    }

    private static Cam normalised(Stage stage, int target, int predicted, float[] logits, double[] cam, int h, int w) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : cam) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        boolean constant = !(hi > lo);
        float[][] map = new float[h][w];
        if (!constant) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    map[y][x] = (float) ((cam[y * w + x] - lo) / (hi - lo));
                }
            }
        }
        return new Cam(stage, target, predicted, logits, map, constant);
    }

    /** The index of the largest of {@code n} values from {@code offset}; ties: the lower index. */
    static int argmax(float[] values, int offset, int n) {
        int best = 0;
        for (int c = 1; c < n; c++) {
            if (values[offset + c] > values[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    /** Bilinear resampling with half-pixel centres; samples outside the grid clamp to its edge. */
    static float[][] bilinear(float[][] src, int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("upsampling to " + height + "x" + width);
        }
        int sh = src.length;
        int sw = src[0].length;
        float[][] out = new float[height][width];
        double sy = (double) sh / height;
        double sx = (double) sw / width;
        for (int y = 0; y < height; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, sh - 1);
            int y1 = Math.min(y0 + 1, sh - 1);
            double wy = fy - y0;
            for (int x = 0; x < width; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, sw - 1);
                int x1 = Math.min(x0 + 1, sw - 1);
                double wx = fx - x0;
                double top = src[y0][x0] * (1 - wx) + src[y0][x1] * wx;
                double bottom = src[y1][x0] * (1 - wx) + src[y1][x1] * wx;
                out[y][x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return out;
    }

    private static float[][] copy(float[][] m) {
        float[][] out = new float[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }
}
