package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.platform.Engines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LossesTest {
    private static final double LN2 = Math.log(2);
    private static final double LN3 = Math.log(3);
    private static final double LN5 = Math.log(5);
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * Row 0 {@code [0, 0, ln 2]}: softmax {@code [1/4, 1/4, 1/2]}, log p {@code [-ln 4, -ln 4, -ln 2]}.
     * Row 1 {@code [ln 3, 0, 0]}: softmax {@code [3/5, 1/5, 1/5]}, log p {@code [ln 3 - ln 5, -ln 5, -ln 5]}.
     */
    private static NDArray logits(NDManager m) {
        return m.create(new float[] {0, 0, (float) LN2, (float) LN3, 0, 0}, new Shape(2, 3));
    }

    private static double[][] logp() {
        return new double[][] {{-2 * LN2, -2 * LN2, -LN2}, {LN3 - LN5, -LN5, -LN5}};
    }

    @Test
    void softTargetCrossEntropyIsTheBatchMeanOfMinusTLogP() {
        try (NDManager m = manager.newSubManager()) {
            // Row 0 target [0.5, 0, 0.5]: 0.5 ln 4 + 0.5 ln 2 = 1.5 ln 2; row 1 target [0, 1, 0]: ln 5.
            NDArray t = m.create(new float[] {0.5f, 0, 0.5f, 0, 1, 0}, new Shape(2, 3));
            double expected = (1.5 * LN2 + LN5) / 2;
            assertEquals(expected, Losses.softCrossEntropy(logits(m), t, null, null).getFloat(), 1e-6);
        }
    }

    @Test
    void classWeightedLossIsPyTorchsWeightedMean() {
        try (NDManager m = manager.newSubManager()) {
            // Weights of counts {6, 2, 2}: {10/18, 10/6, 10/6}; labels {0, 1}, no smoothing:
            // (10/18 * ln 4 + 10/6 * ln 5) / (10/18 + 10/6) = (ln 4 + 3 ln 5) / 4.
            double[] w = ClassBalance.weights(new int[] {6, 2, 2});
            NDArray cw = m.create(new float[] {(float) w[0], (float) w[1], (float) w[2]});
            NDArray sw = m.create(new float[] {(float) w[0], (float) w[1]});
            NDArray oneHot = m.create(Mixup.targets(new int[] {0, 1}, 3, 1, 0), new Shape(2, 3));
            assertEquals((2 * LN2 + 3 * LN5) / 4, Losses.softCrossEntropy(logits(m), oneHot, cw, sw).getFloat(), 1e-6);

            // With smoothing e = 0.1, PyTorch's CrossEntropyLoss(weight=w, label_smoothing=e), mean:
            // (1 - e) * sum_i w[y_i] nll_i / sum_i w[y_i] + e / K * sum_i sum_k w_k (-log p_ik) / sum_i w[y_i].
            double e = 0.1;
            double[][] lp = logp();
            int[] y = {0, 1};
            double denom = w[0] + w[1];
            double nll = (w[0] * -lp[0][y[0]] + w[1] * -lp[1][y[1]]) / denom;
            double smooth = 0;
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 3; k++) {
                    smooth += w[k] * -lp[i][k];
                }
            }
            double torch = (1 - e) * nll + e / 3 * smooth / denom;
            NDArray smoothed = m.create(Mixup.targets(y, 3, 1, e), new Shape(2, 3));
            assertEquals(torch, Losses.softCrossEntropy(logits(m), smoothed, cw, sw).getFloat(), 1e-6);
        }
    }

    @Test
    void smoothedOneHotTargetsGiveTheSmoothedCrossEntropy() {
        try (NDManager m = manager.newSubManager()) {
            int[] y = {2, 0};
            float hard = Losses.crossEntropy(logits(m), m.create(y), 0.1).getFloat();
            float soft = Losses.softCrossEntropy(logits(m), m.create(Mixup.targets(y, 3, 1, 0.1), new Shape(2, 3)), null, null)
                    .getFloat();
            assertEquals(hard, soft, 1e-6);
        }
    }
}
