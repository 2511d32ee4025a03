package dev.ferry.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.util.Map;

/**
 * Base of ferry's network modules: a DJL block whose children and parameters carry exactly the
 * names torchvision gives them, so that {@link #collectState} yields torchvision's state_dict keys.
 *
 * <p>DJL's {@code addChildBlock} prefixes children with a running number ({@code 01conv1}); ferry
 * registers them under their plain torchvision names instead, which is what makes loading weights
 * a lookup rather than a translation table.
 *
 * <p>Parameter shapes are fixed when a module is constructed (channel counts are part of the
 * configuration), so initialisation does not depend on the input shape.
 */
public abstract class Module extends AbstractBlock {

    /** Registers a child under its exact torchvision name ({@code conv1}, {@code 0}, {@code fc}). */
    protected <B extends Module> B register(String name, B child) {
        children.add(name, child);
        return child;
    }

    /** Replaces a registered child, keeping its position. */
    protected <B extends Module> B replace(String name, B child) {
        int index = children.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("no child named " + name);
        }
        children.remove(index);
        children.add(index, name, child);
        return child;
    }

    /** Declares a parameter or buffer of a fixed shape under its exact torchvision name. */
    protected Parameter declare(String name, Parameter.Type type, Shape shape, Initializer init) {
        boolean trainable = isTrainableType(type);
        return addParameter(
                Parameter.builder()
                        .setName(name)
                        .setType(type)
                        .optShape(shape)
                        .optInitializer(init)
                        .optRequiresGrad(trainable)
                        .build());
    }

    /**
     * Whether parameters of this type are learned by gradient descent. Running statistics and
     * {@code num_batches_tracked} are buffers in torch's sense: they are state, never trained.
     */
    public static boolean isTrainableType(Parameter.Type type) {
        return type != Parameter.Type.RUNNING_MEAN
                && type != Parameter.Type.RUNNING_VAR
                && type != Parameter.Type.OTHER;
    }

    /** Appends this module's parameters and buffers, then its children's, in torch's order. */
    public void collectState(String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        for (Pair<String, Block> c : getChildren()) {
            ((Module) c.getValue()).collectState(prefix + c.getKey() + ".", out);
        }
    }

    /**
     * Freezes or unfreezes the trainable parameters only. DJL's default would also mark running
     * statistics and the int64 {@code num_batches_tracked} as requiring gradients when unfreezing,
     * which libtorch rejects and which is meaningless for buffers.
     */
    @Override
    public void freezeParameters(boolean freeze) {
        freezeParameters(freeze, p -> isTrainableType(p.getType()));
    }

    /** Output shape (NCHW or NC) of this module for the given input shape. */
    public abstract Shape outputShape(Shape input);

    /**
     * Multiply-accumulates of a forward pass for the given input shape (convolutions and linear
     * layers, the count torchvision and the literature report).
     */
    public long macs(Shape input) {
        return 0;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(inputShapes[0])};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Pair<String, Block> c : getChildren()) {
            // Parameter shapes are fixed at construction; the shape passed down only records
            // what DJL expects to have seen.
            c.getValue().initialize(manager, dataType, inputShapes);
        }
    }
}
