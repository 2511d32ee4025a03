package dev.ferry.train;

import dev.ferry.model.ResNet;

/** Receives the network after each epoch; the model directory writes its files from here. */
public interface Checkpointer {

    /**
     * Called after every epoch, with the epoch's weights in {@code net}.
     *
     * @param best whether this epoch is the best so far (by validation accuracy)
     */
    void epochEnd(ResNet net, Optimizer optimizer, TrainState state, boolean best);

    /** Writes nothing. */
    Checkpointer NONE = (net, optimizer, state, best) -> {};
}
