package dev.ferry.model;

import ai.djl.ndarray.types.DataType;
import ai.djl.training.initializer.Initializer;

/** torchvision's ResNet initialisation, as DJL initializers. */
final class Init {
    private Init() {}

    /**
     * {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}, torchvision's choice for every
     * convolution: N(0, 2 / (out_channels * kh * kw)).
     */
    static Initializer kaimingNormalFanOut() {
        return (manager, shape, dataType) -> {
            long fanOut = shape.get(0) * shape.get(2) * shape.get(3);
            return manager.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut), shape, dataType);
        };
    }

    /**
     * {@code nn.Linear}'s default: weight kaiming_uniform(a=sqrt(5)) and bias both reduce to
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    static Initializer linearUniform(long fanIn) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        return (manager, shape, dataType) -> manager.randomUniform(-bound, bound, shape, dataType);
    }

    static Initializer constant(float value) {
        return (manager, shape, dataType) -> manager.full(shape, value, dataType);
    }

    /** A zero int64 scalar: torch's {@code num_batches_tracked} is int64 whatever the model's dtype. */
    static Initializer int64Zero() {
        return (manager, shape, dataType) -> manager.zeros(shape, DataType.INT64);
    }
}
