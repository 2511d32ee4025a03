package dev.ferry.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * torch {@code nn.Sequential}: children named {@code 0}, {@code 1}, ... applied in order. Used for
 * the stages ({@code layer1.0}, {@code layer1.1}, ...) and the downsampling shortcut ({@code
 * downsample.0} conv, {@code downsample.1} BN).
 */
public final class Sequential extends Module {

    public Sequential(List<? extends Module> modules) {
        for (int i = 0; i < modules.size(); i++) {
            register(Integer.toString(i), modules.get(i));
        }
    }

    /** The child modules in order. */
    public List<Module> modules() {
        List<Module> out = new ArrayList<>();
        for (Pair<String, Block> c : getChildren()) {
            out.add((Module) c.getValue());
        }
        return out;
    }

    /**
     * Applies the children in order, closing each intermediate output once the next child has
     * consumed it (the input belongs to the caller and stays open).
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        for (Pair<String, Block> c : getChildren()) {
            NDList next = c.getValue().forward(ps, x, training);
            if (x != inputs) {
                x.close();
            }
            x = next;
        }
        return x;
    }

    @Override
    public Shape outputShape(Shape in) {
        Shape s = in;
        for (Module m : modules()) {
            s = m.outputShape(s);
        }
        return s;
    }

    @Override
    public long macs(Shape in) {
        long total = 0;
        Shape s = in;
        for (Module m : modules()) {
            total += m.macs(s);
            s = m.outputShape(s);
        }
        return total;
    }
}
