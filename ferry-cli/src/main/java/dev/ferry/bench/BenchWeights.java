package dev.ferry.bench;

import ai.djl.nn.Parameter;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.weights.SafetensorsWriter;
import dev.ferry.weights.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A weights file for the one-image prediction case: random values in torchvision's keys and shapes,
 * written without starting libtorch (the parent process never does), so that the child measures
 * what {@code ferry predict} pays: reading a real safetensors file of the full size.
 */
final class BenchWeights {
    private BenchWeights() {}

    /** Writes {@code arch}'s 1000-class state dict with random weights and neutral BN statistics. */
    static void writeRandom(Architecture arch, long seed, Path file) {
        ResNet shapes = ResNet.create(ResNetConfig.of(arch, 1000));
        Map<String, float[]> values = randomValues(shapes, seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : shapes.stateDict().entrySet()) {
            String k = e.getKey();
            long[] shape = e.getValue().getShape().getShape();
            tensors.put(k, k.endsWith("num_batches_tracked")
                    ? Tensor.ofLongs(shape, new long[] {0})
                    : Tensor.ofFloats(shape, values.get(k)));
        }
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
    }

    /**
     * Random float values for every float entry of {@code structure}'s state dict: He-normal
     * convolution and fc weights, BN with gamma 1, beta 0, mean 0, var 1. Made on the host, so an
     * inference-only process never needs libtorch for them.
     */
    static Map<String, float[]> randomValues(ResNet structure, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String k : structure.stateDict().keySet()) {
            if (!k.endsWith("num_batches_tracked")) {
                out.put(k, randomValue(structure, seed).apply(k));
            }
        }
        return out;
    }

    /**
     * The same values computed on demand, each from its own generator seeded by {@code (seed, key)}:
     * an exporter that asks layer by layer then never holds more than one layer.
     */
    static Function<String, float[]> randomValue(ResNet structure, long seed) {
        Map<String, Parameter> state = structure.stateDict();
        return k -> {
            Parameter p = state.get(k);
            if (p == null || k.endsWith("num_batches_tracked")) {
                return null;
            }
            long[] shape = p.getShape().getShape();
            int n = Math.toIntExact(p.getShape().size());
            float[] v = new float[n];
            if (k.endsWith("running_var") || (isBatchNorm(k) && k.endsWith(".weight"))) {
                java.util.Arrays.fill(v, 1f);
            } else if (!k.endsWith("running_mean") && !(isBatchNorm(k) && k.endsWith(".bias"))) {
                // Conv and fc weights, fc bias: He-scaled values keep the activations finite.
                SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + k.hashCode());
                double scale = Math.sqrt(2.0 / Math.max(1, n / shape[0]));
                for (int i = 0; i < n; i++) {
                    v[i] = (float) (r.nextGaussian() * scale);
                }
            }
            return v;
        };
    }

    private static boolean isBatchNorm(String key) {
        return key.contains(".bn") || key.startsWith("bn") || key.contains("downsample.1.");
    }
}
