package dev.ferry.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A fully-connected layer with bias, torch {@code nn.Linear}: weight (out, in), bias (out). */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(int inFeatures, int outFeatures) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = declare("weight", Parameter.Type.WEIGHT, new Shape(outFeatures, inFeatures),
                Init.linearUniform(inFeatures));
        this.bias = declare("bias", Parameter.Type.BIAS, new Shape(outFeatures), Init.linearUniform(inFeatures));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return ai.djl.nn.core.Linear.linear(
                x, ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training));
    }

    @Override
    public Shape outputShape(Shape in) {
        return new Shape(in.get(0), outFeatures);
    }

    @Override
    public long macs(Shape in) {
        return in.get(0) * (long) inFeatures * outFeatures;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }
}
