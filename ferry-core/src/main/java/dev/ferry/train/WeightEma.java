package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.ferry.model.Module;
import dev.ferry.model.ResNet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of the weights that train, as timm's {@code ModelEmaV2}/{@code V3}:
 * after every optimizer step {@code ema = d * ema + (1 - d) * w} for each trainable parameter and the
 * running statistics of each BatchNorm that trains (the statistics are averaged like the weights, as
 * timm's {@code ModelEmaV2} does with every entry of the state dict). Frozen parameters never change,
 * so they are not copied: the average holds one extra copy of what trains and nothing else.
 *
 * <p>The decay is set by a horizon rather than given directly. timm's usual 0.9998 per step suits
 * ImageNet's hundreds of thousands of steps; a small dataset trains for a few dozen, over which it
 * would never move. Here the user gives the averaging window as a fraction of the run's optimizer
 * steps, {@code h = max(1, fraction * totalSteps)}, and the decay is {@code d = 1 - 1 / h} (an
 * exponential average's window is about {@code 1 / (1 - d)} steps). Early steps use timm's (and
 * TensorFlow's {@code num_updates}) warm-up {@code d_t = min(d, (1 + t) / (10 + t))}, {@code t}
 * the number of updates before this one, so the average does not stay anchored to the starting
 * weights.
 */
public final class WeightEma implements AutoCloseable {
    /** The horizon as a fraction of the run's optimizer steps, when only "on" is asked for. */
    public static final double DEFAULT_HORIZON = 0.1;

    private final double decay;
    private final NDManager manager;
    private final Map<String, NDArray> average = new LinkedHashMap<>();

    /**
     * An empty average with decay {@code decay} per step (before the warm-up), its copies in
     * {@code manager}.
     */
    public WeightEma(double decay, NDManager manager) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        }
        this.decay = decay;
        this.manager = manager;
    }

    /** {@code 1 - 1 / max(1, horizon * totalSteps)}: the decay whose window is the horizon. */
    public static double decayFor(double horizon, long totalSteps) {
        double h = Math.max(1.0, horizon * totalSteps);
        return 1 - 1 / h;
    }

    /** The decay of update {@code t} (0 the first): {@code min(decay, (1 + t) / (10 + t))}. */
    public static double warmedUp(double decay, long t) {
        return Math.min(decay, (1.0 + t) / (10.0 + t));
    }

    /** The decay per step after the warm-up. */
    public double decay() {
        return decay;
    }

    /**
     * The arrays of {@code net} that train now, by state-dict name: every parameter that takes a
     * gradient, and the running mean and variance of each BatchNorm whose weight does (the trainer
     * freezes a BatchNorm's statistics with its weights). {@code num_batches_tracked} is a counter,
     * not averaged.
     */
    public static Map<String, NDArray> trainable(ResNet net) {
        Map<String, Parameter> state = net.stateDict();
        Map<String, NDArray> out = new LinkedHashMap<>();
        state.forEach((k, p) -> {
            if (Module.isTrainableType(p.getType())) {
                if (p.requiresGradient()) {
                    out.put(k, p.getArray());
                }
            } else if (p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR) {
                String owner = k.substring(0, k.lastIndexOf('.') + 1);
                Parameter weight = state.get(owner + "weight");
                if (weight != null && weight.requiresGradient()) {
                    out.put(k, p.getArray());
                }
            }
        });
        return out;
    }

    /**
     * Starts averaging the arrays of {@code live} not averaged yet, from their current values (a
     * phase that unfreezes more layers adds them); the ones averaged already keep their averages.
     */
    public void track(Map<String, NDArray> live) {
        live.forEach((k, a) -> average.computeIfAbsent(k, key -> {
            NDArray copy = a.duplicate();
            copy.attach(manager);
            return copy;
        }));
    }

    /**
     * One update after optimizer step {@code t} (0 the first of the run): {@code ema = d_t * ema +
     * (1 - d_t) * w} for every averaged array, {@code d_t} the {@linkplain #warmedUp warmed-up} decay.
     */
    public void update(Map<String, NDArray> live, long t) {
        updateWithDecay(live, warmedUp(decay, t));
    }

    /** {@link #update(Map, long)} with the decay of this update given (no warm-up). */
    void updateWithDecay(Map<String, NDArray> live, double d) {
        float keep = (float) d;
        float take = (float) (1 - d);
        average.forEach((k, e) -> {
            NDArray w = live.get(k);
            try (NDArray part = w.mul(take)) {
                e.muli(keep).addi(part);
            }
        });
    }

    /**
     * Exchanges the averages with the live values: afterwards {@code live} holds the averages and
     * this object the weights that train. A second call exchanges them back.
     */
    public void swap(Map<String, NDArray> live) {
        average.forEach((k, e) -> {
            NDArray w = live.get(k);
            try (NDArray held = w.duplicate()) {
                e.copyTo(w);
                held.copyTo(e);
            }
        });
    }

    /** Writes the averages into {@code live} (the end of a run without a best epoch to restore). */
    public void copyInto(Map<String, NDArray> live) {
        average.forEach((k, e) -> e.copyTo(live.get(k)));
    }

    /** The averaged arrays by name (after a {@link #swap}, the weights that train), not copies. */
    public Map<String, NDArray> arrays() {
        return Collections.unmodifiableMap(average);
    }

    @Override
    public void close() {
        average.values().forEach(NDArray::close);
        average.clear();
    }
}
