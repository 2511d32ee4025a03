package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum or AdamW over parameter groups, with torch's update rules.
 *
 * <p>Ferry keeps its own optimizer rather than DJL's because transfer learning needs parameter
 * groups (a lower backbone rate, no weight decay on BN parameters and biases) and torch-identical
 * state that can be checkpointed by parameter name. Updates run outside the gradient collector, where
 * libtorch's grad mode is off, so in-place updates of leaf tensors are allowed and record nothing.
 */
public final class Optimizer {
    private static final float MOMENTUM = 0.9f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float ADAM_EPS = 1e-8f;

    /**
     * A set of parameters sharing a learning-rate factor and weight decay.
     *
     * @param params name -> parameter (names key the optimizer state in checkpoints)
     * @param lrFactor multiplier of the scheduled rate
     * @param weightDecay L2 (SGD) or decoupled (AdamW) weight decay
     */
    public record Group(Map<String, Parameter> params, double lrFactor, double weightDecay) {}

    private final OptimizerKind kind;
    private final List<Group> groups;
    private final NDManager manager;
    private final Map<String, NDArray> state1 = new LinkedHashMap<>();
    private final Map<String, NDArray> state2 = new LinkedHashMap<>();
    private long steps;

    /** The name prefix of {@linkplain #carry carried} arrays in {@link #state()}. */
    public static final String LIVE = "live.";

    private Map<String, NDArray> carried = Map.of();

    public Optimizer(OptimizerKind kind, List<Group> groups, NDManager manager) {
        this.kind = kind;
        this.groups = List.copyOf(groups);
        this.manager = manager;
    }

    /**
     * Splits trainable parameters into torch's usual two groups: weights of convolutions and linear
     * layers get weight decay; BN gamma/beta and biases do not (decaying them only hurts).
     */
    public static List<Group> decayGroups(Map<String, Parameter> params, double lrFactor, double weightDecay) {
        Map<String, Parameter> decay = new LinkedHashMap<>();
        Map<String, Parameter> noDecay = new LinkedHashMap<>();
        params.forEach((k, p) -> (p.getType() == Parameter.Type.WEIGHT ? decay : noDecay).put(k, p));
        List<Group> out = new ArrayList<>();
        if (!decay.isEmpty()) {
            out.add(new Group(decay, lrFactor, weightDecay));
        }
        if (!noDecay.isEmpty()) {
            out.add(new Group(noDecay, lrFactor, 0));
        }
        return out;
    }

    /** The parameter groups. */
    public List<Group> groups() {
        return groups;
    }

    /** Applies one update with the scheduled base rate {@code lr}, then zeroes the gradients. */
    public void step(double lr) {
        steps++;
        for (Group g : groups) {
            float groupLr = (float) (lr * g.lrFactor());
            float wd = (float) g.weightDecay();
            for (Map.Entry<String, Parameter> e : g.params().entrySet()) {
                NDArray p = e.getValue().getArray();
                try (NDArray grad = p.getGradient()) {
                    if (kind == OptimizerKind.SGD) {
                        sgd(e.getKey(), p, grad, groupLr, wd);
                    } else {
                        adamw(e.getKey(), p, grad, groupLr, wd);
                    }
                }
                JniUtils.zeroGrad((PtNDArray) p);
            }
        }
    }

    /** Zeroes every gradient without updating (e.g. after a skipped step). */
    public void zeroGradients() {
        for (Group g : groups) {
            g.params().values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p.getArray()));
        }
    }

    private void sgd(String key, NDArray p, NDArray grad, float lr, float wd) {
        if (wd > 0) {
            try (NDArray decay = p.mul(wd)) {
                grad.addi(decay);
            }
        }
        NDArray buf = state1.get(key);
        if (buf == null) {
            // torch: the first step's buffer is the gradient itself
            buf = grad.duplicate();
            buf.attach(manager);
            state1.put(key, buf);
        } else {
            buf.muli(MOMENTUM).addi(grad);
        }
        try (NDArray update = buf.mul(lr)) {
            p.subi(update);
        }
    }

    private void adamw(String key, NDArray p, NDArray grad, float lr, float wd) {
        if (wd > 0) {
            p.muli(1 - lr * wd);
        }
        NDArray m = state1.computeIfAbsent(key, k -> manager.zeros(p.getShape()));
        NDArray v = state2.computeIfAbsent(key, k -> manager.zeros(p.getShape()));
        m.muli(BETA1);
        try (NDArray g1 = grad.mul(1 - BETA1); NDArray g2 = grad.square()) {
            m.addi(g1);
            g2.muli(1 - BETA2);
            v.muli(BETA2).addi(g2);
        }
        double bc1 = 1 - Math.pow(BETA1, steps);
        double bc2 = 1 - Math.pow(BETA2, steps);
        try (NDArray denom = v.div(bc2).sqrt().add(ADAM_EPS); NDArray update = m.div(denom)) {
            update.muli(lr / bc1);
            p.subi(update);
        }
    }

    /**
     * Optimizer state by name ({@code m.<param>}, {@code v.<param>}, and {@code live.<name>} for
     * the arrays {@linkplain #carry carried}) for checkpoints.
     */
    public Map<String, NDArray> state() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        state1.forEach((k, v) -> out.put("m." + k, v));
        state2.forEach((k, v) -> out.put("v." + k, v));
        carried.forEach((k, v) -> out.put(LIVE + k, v));
        return out;
    }

    /**
     * Arrays {@link #state()} includes under {@value #LIVE} names until the next call: while the
     * network holds averaged weights ({@link WeightEma}), the weights the optimizer steps from, so
     * that a checkpoint holds both. {@link #restore} leaves them to the trainer.
     */
    void carry(Map<String, NDArray> arrays) {
        carried = Map.copyOf(arrays);
    }

    /** Number of updates applied so far. */
    public long steps() {
        return steps;
    }

    /** Restores state written by {@link #state()} (arrays are copied into this optimizer's manager). */
    public void restore(Map<String, NDArray> state, long steps) {
        this.steps = steps;
        state.forEach((k, v) -> {
            NDArray copy = v.duplicate();
            copy.attach(manager);
            if (k.startsWith("m.")) {
                state1.put(k.substring(2), copy);
            } else if (k.startsWith("v.")) {
                state2.put(k.substring(2), copy);
            }
        });
    }
}
