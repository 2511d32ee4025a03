package dev.ferry.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.ferry.platform.ConvLayout;
import dev.ferry.platform.ConvPaths;
import dev.ferry.platform.Engines;
import java.util.Locale;

/**
 * Run by {@link NativeConvolutionTest} in a child JVM: one ResNet-50 training step (channels-last,
 * forward and backward) at the batch and image side given, then the inference-mode network in
 * NCHW and the BN-folded copy in both layouts. Prints the numbers the test compares.
 */
final class ResNet50Step {
    private ResNet50Step() {}

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[0]);
        int side = Integer.parseInt(args[1]);
        Engine engine = Engines.engine(0);
        Engines.seed(3);
        try (NDManager m = engine.newBaseManager()) {
            ResNet net = ResNet.create(ResNetConfig.of(Architecture.RESNET50, 10)).initialize(m);
            NDArray x = m.randomNormal(new Shape(batch, 3, side, side));
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % 10;
            }
            NDArray y = m.create(labels);
            float loss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray logits = net.forward(x, true);
                NDArray l = logits.logSoftmax(1).mul(y.oneHot(10)).sum().neg().div(batch);
                gc.backward(l);
                loss = l.getFloat();
            }
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "pointwise %s%nloss %.8e%n",
                    ConvPaths.current().pointwise().id(), loss));
            for (String key : new String[] {"conv1.weight", "layer3.0.downsample.0.weight", "layer3.1.conv3.weight",
                "layer4.0.conv1.weight", "layer4.0.downsample.0.weight", "fc.weight"}) {
                NDArray g = net.stateDict().get(key).getArray().getGradient();
                out.append(String.format(Locale.ROOT, "grad %s %.8e%n", key, g.abs().sum().getFloat()));
            }
            float[] reference = net.forward(x, false).toFloatArray();
            double worst = 0;
            for (ConvLayout layout : ConvLayout.values()) {
                try (FusedResNet fused = FusedResNet.of(net, m, layout)) {
                    float[] logits = fused.forward(x).toFloatArray();
                    double scale = 0;
                    double diff = 0;
                    for (int i = 0; i < reference.length; i++) {
                        scale = Math.max(scale, Math.abs(reference[i]));
                        diff = Math.max(diff, Math.abs(reference[i] - logits[i]));
                    }
                    worst = Math.max(worst, diff / scale);
                }
            }
            out.append(String.format(Locale.ROOT, "inference %.3e%n", worst));
            System.out.print(out);
            System.out.flush();
        }
    }
}
