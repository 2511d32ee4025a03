package dev.ferry.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.Engines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forward passes free their intermediate activations as they go: DJL would otherwise keep every one
 * until the step's manager closes, which for ResNet-50 at batch 16 is gigabytes. What backward needs
 * stays alive through autograd's own references, so gradients are unaffected.
 */
class ActivationLifetimeTest {
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

    @Test
    void inferenceLeavesOnlyInputAndOutput() {
        try (NDManager m = manager.newSubManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 3).withWidth(8)).initialize(m);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(2, 3, 64, 64));
                net.forward(x, false);
                assertEquals(2, step.getManagedArrays().size(), "input and logits only");
            }
            try (NDManager step = m.newSubManager(); FusedResNet fused = FusedResNet.of(net, m)) {
                NDArray x = step.randomNormal(new Shape(2, 3, 64, 64));
                fused.forward(x);
                assertEquals(2, step.getManagedArrays().size(), "input and logits only");
            }
        }
    }

    @Test
    void trainingKeepsFewArraysAndGradientsMatchFiniteDifferences() {
        try (NDManager m = manager.newSubManager()) {
            // Float64 throughout, so that a tiny step gives an exact difference quotient: with ReLU
            // kinks everywhere, float32 steps large enough to beat rounding cross too many kinks.
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET18, 3).withWidth(4));
            net.initialize(m, DataType.FLOAT64, new Shape(2, 3, 32, 32));
            // Frozen statistics: the loss is then a fixed function of the weights, which the finite
            // difference needs (batch statistics would also update the running ones every call).
            net.batchNorms().forEach(bn -> bn.setFrozen(true));
            Engine engine = Engine.getEngine(Engines.ENGINE);
            NDArray x = m.randomNormal(0, 1, new Shape(2, 3, 32, 32), DataType.FLOAT64);
            NDArray r = m.randomNormal(0, 1, new Shape(2, 3), DataType.FLOAT64);
            NDArray w = net.stateDict().get("layer1.0.conv1.weight").getArray();
            double[] w0 = w.toDoubleArray();
            double[] grad;
            try (NDManager step = m.newSubManager()) {
                NDArray xi = x.duplicate();
                xi.attach(step);
                try (GradientCollector gc = engine.newGradientCollector()) {
                    NDArray logits = net.forward(xi, true);
                    assertEquals(2, step.getManagedArrays().size(), "input and logits only");
                    gc.backward(logits.mul(r).sum());
                }
                grad = w.getGradient().toDoubleArray();
            }
            // Directional derivative along a random direction d: <grad, d> against the central
            // difference (L(w + h d) - L(w - h d)) / 2h, computed in double on the host.
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
            double[] d = new double[w0.length];
            double analytic = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = rnd.nextDouble() * 2 - 1;
                analytic += grad[i] * d[i];
            }
            double h = 1e-6;
            double numeric = (loss(net, w, w0, d, h, x, r, m) - loss(net, w, w0, d, -h, x, r, m)) / (2 * h);
            w.set(w0);
            assertTrue(Math.abs(analytic) > 1e-3, "a non-trivial derivative: " + analytic);
            assertEquals(analytic, numeric, 1e-4 * Math.abs(analytic),
                    "directional derivative, autograd vs finite difference");
        }
    }

    private static double loss(ResNet net, NDArray w, double[] w0, double[] d, double h, NDArray x, NDArray r, NDManager m) {
        double[] shifted = new double[w0.length];
        for (int i = 0; i < w0.length; i++) {
            shifted[i] = w0[i] + h * d[i];
        }
        w.set(shifted);
        try (NDManager step = m.newSubManager()) {
            NDArray xi = x.duplicate();
            xi.attach(step);
            return net.forward(xi, false).mul(r).sum().getDouble();
        }
    }
}
