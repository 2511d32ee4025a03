package dev.ferry.spark;

import dev.ferry.InputException;
import java.io.Serializable;

/**
 * The network every executor opens: a model directory written by {@code ferry train}, or
 * pretrained weights (a known name such as {@code resnet50.IMAGENET1K_V2}, or a weights file).
 * Either may be any path Hadoop reads ({@code hdfs://}, {@code s3a://}, {@code file:}, a plain
 * local path); a remote one is copied once per executor to its local disk.
 *
 * @param model a model directory, or null
 * @param weights pretrained weights, or null
 * @param int8 the model's int8 network ({@code ferry quantize}) instead of its float one
 */
public record NetworkSource(String model, String weights, boolean int8) implements Serializable {
    private static final long serialVersionUID = 1L;

    public NetworkSource {
        if ((model == null) == (weights == null)) {
            throw new InputException(model == null ? "name the network: --model DIR or --weights SPEC"
                    : "--model and --weights exclude each other: give one network");
        }
        if (int8 && model == null) {
            throw new InputException("--int8 runs a trained model's quantized network: it needs --model DIR, not --weights");
        }
    }

    /** A model directory written by training. */
    public static NetworkSource model(String dir) {
        return new NetworkSource(dir, null, false);
    }

    /** Pretrained weights: a known name or a file. */
    public static NetworkSource weights(String spec) {
        return new NetworkSource(null, spec, false);
    }

    /** This model's int8 network instead of its float one. */
    public NetworkSource quantized() {
        return new NetworkSource(model, weights, true);
    }

    /** The model directory or the weights, as given. */
    public String location() {
        return model != null ? model : weights;
    }

    @Override
    public String toString() {
        return model != null ? "model " + model + (int8 ? " (int8)" : "") : "weights " + weights;
    }
}
