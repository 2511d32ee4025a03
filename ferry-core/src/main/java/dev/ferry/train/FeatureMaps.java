package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.model.ResNet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The intermediate activations of a {@link ResNet} for one batch, in inference mode: the stem's
 * output (after the max-pool of the ImageNet stem, what {@code layer1} receives) and each stage's.
 * These are the tensors torchvision's forward hooks on {@code maxpool} and {@code layer1}..{@code
 * layer4} see.
 */
public final class FeatureMaps {
    /** The name of the stem's output among {@link Layer#name()}s; the stages are named as {@link ResNet#STAGES}. */
    public static final String STEM = "stem";

    private FeatureMaps() {}

    /**
     * One layer's activations.
     *
     * @param name {@value #STEM}, or {@code layer1}..{@code layer4}
     * @param shape N x C x H x W
     * @param values the activations in that (row-major) order
     */
    public record Layer(String name, int[] shape, float[] values) {
        /** Checks the arguments and copies the arrays. */
        public Layer {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
            values = values.clone();
            if (shape.length != 4 || (long) shape[0] * shape[1] * shape[2] * shape[3] != values.length) {
                throw new IllegalArgumentException(name + ": " + values.length + " values for shape "
                        + java.util.Arrays.toString(shape));
            }
        }

        /** A copy of the shape. */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** A copy of the values. */
        @Override
        public float[] values() {
            return values.clone();
        }

        /** Channels. */
        public int channels() {
            return shape[1];
        }

        /** Rows of a channel. */
        public int height() {
            return shape[2];
        }

        /** Columns of a channel. */
        public int width() {
            return shape[3];
        }

        /** Channel {@code c} of image {@code n}, {@code [y][x]}. */
        public float[][] channel(int n, int c) {
            int h = shape[2];
            int w = shape[3];
            int base = ((n * shape[1]) + c) * h * w;
            float[][] out = new float[h][w];
            for (int y = 0; y < h; y++) {
                System.arraycopy(values, base + y * w, out[y], 0, w);
            }
            return out;
        }
    }

    /**
     * The stem's and the four stages' outputs for {@code count} normalised images.
     *
     * @param net the network, initialised
     * @param manager where the pass's arrays live (a sub-manager is used and closed)
     * @return five layers: {@value #STEM}, then {@code layer1}..{@code layer4}
     */
    public static List<Layer> compute(ResNet net, NDManager manager, float[] pixels, int count, int height, int width) {
        List<Layer> out = new ArrayList<>(5);
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(count, 3, height, width));
            NDArray a = net.forwardStem(x, false);
            out.add(layer(STEM, a));
            for (int s = 0; s < ResNet.STAGES.size(); s++) {
                NDArray next = net.forwardStage(s, a, false);
                a.close();
                a = next;
                out.add(layer(ResNet.STAGES.get(s), a));
            }
        }
        return out;
    }

    private static Layer layer(String name, NDArray a) {
        Shape s = a.getShape();
        return new Layer(name, new int[] {(int) s.get(0), (int) s.get(1), (int) s.get(2), (int) s.get(3)}, a.toFloatArray());
    }
}
