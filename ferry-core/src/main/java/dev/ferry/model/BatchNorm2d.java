package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torch {@code nn.BatchNorm2d} (eps 1e-5, momentum 0.1) that can be frozen.
 *
 * <p>Unfrozen and training, it normalises with the batch statistics and updates {@code
 * running_mean}, {@code running_var} (unbiased) and {@code num_batches_tracked}, as torch does.
 * Frozen, it always normalises with its running statistics and never changes them, even while the
 * surrounding model trains: this is what feature extraction and partial fine-tuning need. DJL's own
 * BatchNorm updates the statistics in training mode whatever {@code freezeParameters} says.
 * Freezing the statistics is independent of whether gamma and beta receive gradients.
 */
public final class BatchNorm2d extends Module {
    /** torch's default. */
    public static final float EPS = 1e-5f;
    /** torch's sense: new = (1 - momentum) * old + momentum * batch. */
    public static final float MOMENTUM = 0.1f;

    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter numBatchesTracked;
    private boolean frozen;

    /**
     * @param channels number of channels
     * @param zeroGamma initialise gamma to 0 instead of 1 (the last BN of a residual branch with
     *     {@code zero_init_residual})
     */
    public BatchNorm2d(int channels, boolean zeroGamma) {
        this.channels = channels;
        Shape s = new Shape(channels);
        weight = declare("weight", Parameter.Type.GAMMA, s, Init.constant(zeroGamma ? 0f : 1f));
        bias = declare("bias", Parameter.Type.BETA, s, Init.constant(0f));
        runningMean = declare("running_mean", Parameter.Type.RUNNING_MEAN, s, Init.constant(0f));
        runningVar = declare("running_var", Parameter.Type.RUNNING_VAR, s, Init.constant(1f));
        numBatchesTracked = declare("num_batches_tracked", Parameter.Type.OTHER, new Shape(), Init.int64Zero());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        boolean useBatchStats = training && !frozen;
        NDArray gamma = ps.getValue(weight, x.getDevice(), training);
        NDArray beta = ps.getValue(bias, x.getDevice(), training);
        // axis -1 selects libtorch's native layout (channels on dim 1) without DJL's swapAxes
        // detour; DJL's momentum is 1 - torch's.
        NDList out = x.getNDArrayInternal().batchNorm(
                x, runningMean.getArray(), runningVar.getArray(), gamma, beta, -1, 1f - MOMENTUM, EPS,
                useBatchStats);
        if (useBatchStats) {
            numBatchesTracked.getArray().addi(1);
        }
        return out;
    }

    /** Freezes (true) or unfreezes the running statistics; see the class comment. */
    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
    }

    public boolean isFrozen() {
        return frozen;
    }

    public int channels() {
        return channels;
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }
}
