package dev.ferry.train;

import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.Softmax;

/**
 * Class probabilities of a batch at inference time, optionally with test-time augmentation: the
 * softmax probabilities of each image and of its mirror image (flipped left to right, the
 * augmentation training uses) averaged, as timm's and fastai's flip TTA do. It costs a second
 * forward pass per image.
 */
public final class TestTime {
    private TestTime() {}

    /**
     * Softmax probabilities of {@code n} normalised images (N x 3 x H x W), N x classes row-major,
     * with the logits divided by {@code temperature}; with {@code mirror}, the mean of the images'
     * and their mirror images' probabilities.
     */
    public static float[] probabilities(InferenceNetwork net, float[] images, int n, int height, int width,
                                        double temperature, boolean mirror) {
        float[] p = Softmax.rows(Softmax.divide(net.forward(images, n, height, width), temperature), n);
        if (!mirror) {
            return p;
        }
        float[] q = Softmax.rows(Softmax.divide(net.forward(mirrored(images, n, height, width), n, height, width),
                temperature), n);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((p[i] + (double) q[i]) / 2);
        }
        return p;
    }

    /** Every image of an N x 3 x H x W batch flipped left to right (each row of each channel reversed). */
    public static float[] mirrored(float[] images, int n, int height, int width) {
        float[] out = new float[images.length];
        int rows = n * 3 * height;
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int x = 0; x < width; x++) {
                out[base + x] = images[base + width - 1 - x];
            }
        }
        return out;
    }
}
