package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.model.Architecture;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.model.ResNetConfig;
import org.junit.jupiter.api.Test;

/** Test-time augmentation: the mirror image and the averaged probabilities, worked by hand. */
class TestTimeTest {

    /** Logits (2 * the first pixel, the last pixel) of each image's first row of its first channel. */
    private static final class EdgeNetwork implements InferenceNetwork {
        int calls;

        @Override
        public ResNetConfig config() {
            return ResNetConfig.of(Architecture.RESNET18, 2);
        }

        @Override
        public float[] forward(float[] images, int n, int height, int width) {
            calls++;
            float[] out = new float[2 * n];
            int per = 3 * height * width;
            for (int i = 0; i < n; i++) {
                out[2 * i] = 2 * images[i * per];
                out[2 * i + 1] = images[i * per + width - 1];
            }
            return out;
        }

        @Override
        public float[] forwardFeatures(float[] images, int n, int height, int width) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    @Test
    void mirroredReversesEveryRowOfEveryChannel() {
        // One image, 3 channels of 2 x 3.
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10, 15, 14, 13, 18, 17, 16},
                TestTime.mirrored(x, 1, 2, 3));
        float[] two = new float[2 * 18];
        System.arraycopy(x, 0, two, 18, 18);
        float[] m = TestTime.mirrored(two, 2, 2, 3);
        assertEquals(3f, m[18]);
        assertEquals(0f, m[0]);
    }

    @Test
    void probabilitiesAreTheMeanOfTheImagesAndTheirMirrorImages() {
        // Image row [1, 0, 3]: logits (2, 3); mirrored [3, 0, 1]: logits (6, 1).
        float[] x = new float[3 * 1 * 3];
        x[0] = 1;
        x[2] = 3;
        EdgeNetwork net = new EdgeNetwork();
        float[] plain = TestTime.probabilities(net, x, 1, 1, 3, 1.0, false);
        double e = 1 / (1 + Math.exp(1)); // softmax(2, 3)[0]
        assertArrayEquals(new float[] {(float) e, (float) (1 - e)}, plain, 1e-6f);
        assertEquals(1, net.calls);

        float[] tta = TestTime.probabilities(net, x, 1, 1, 3, 1.0, true);
        double f = 1 / (1 + Math.exp(-5)); // softmax(6, 1)[0]
        assertArrayEquals(new float[] {(float) ((e + f) / 2), (float) (1 - (e + f) / 2)}, tta, 1e-6f);
        assertEquals(3, net.calls, "a second pass for the mirror images");

        // With a temperature of 2 each pass's logits are halved first: softmax(1, 1.5) and softmax(3, 0.5).
        float[] warm = TestTime.probabilities(net, x, 1, 1, 3, 2.0, true);
        double g = 1 / (1 + Math.exp(0.5));
        double h = 1 / (1 + Math.exp(-2.5));
        assertEquals((g + h) / 2, warm[0], 1e-6);
    }

    @Test
    void evaluationWithTtaScoresTheAveragedProbabilities() {
        // Two images of class 1: rows [1, 0, 3] and [0, 0, 0].
        float[] images = new float[2 * 9];
        images[0] = 1;
        images[2] = 3;
        SampleSource source = new ArraySource(images, new int[] {1, 1}, new int[] {3, 1, 3}, false, 0);
        Evaluation ev = Inference.evaluate(new EdgeNetwork(), source, 2, 1.0, true);
        double e = 1 / (1 + Math.exp(1));
        double f = 1 / (1 + Math.exp(-5));
        double p1 = 1 - (e + f) / 2; // the first image's class-1 probability
        assertEquals(p1, ev.probabilities()[0][1], 1e-6);
        assertEquals(0.5, ev.probabilities()[1][1], 1e-6, "equal logits either way");
        assertEquals((-Math.log(p1) - Math.log(0.5)) / 2, ev.loss(), 1e-6);
    }
}
