package dev.ferry.model;

import java.util.Objects;
import java.util.function.Function;

/**
 * Weights on the host (a weights file read into memory), by state_dict key, handed to an inference
 * engine that needs them only until it has its own copy. The engine calls {@link #release} then,
 * so that the only reference to the file's arrays goes and the Java heap can be collected before
 * the engine allocates: a process that predicts then holds one copy of the weights, not two.
 */
public final class HostValues implements Function<String, float[]> {
    private Function<String, float[]> values;

    /** Values from {@code values}, which this object holds until released. */
    public HostValues(Function<String, float[]> values) {
        this.values = Objects.requireNonNull(values, "values");
    }

    @Override
    public float[] apply(String key) {
        if (values == null) {
            throw new IllegalStateException("the host weights were released");
        }
        return values.apply(key);
    }

    /** Drops the reference to the values; later calls to {@link #apply} fail. */
    public void release() {
        values = null;
    }
}
