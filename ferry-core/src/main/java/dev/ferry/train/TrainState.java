package dev.ferry.train;

import dev.ferry.eval.EpochRecord;
import java.util.List;

/**
 * Where a run stands after an epoch: what a checkpoint stores besides the weights and the optimizer
 * state, and what a resumed run continues from.
 *
 * @param completedEpochs epochs finished (all phases)
 * @param history one record per finished epoch
 * @param bestEpoch epoch with the best validation accuracy so far (0 before any)
 * @param bestValAccuracy that accuracy (NaN without validation)
 * @param stale epochs since the best one (for early stopping)
 * @param optimizerSteps updates the current phase's optimizer has applied
 */
public record TrainState(
        int completedEpochs,
        List<EpochRecord> history,
        int bestEpoch,
        double bestValAccuracy,
        int stale,
        long optimizerSteps) {

    public TrainState {
        history = List.copyOf(history);
    }

    /** The state before the first epoch. */
    public static TrainState initial() {
        return new TrainState(0, List.of(), 0, Double.NaN, 0, 0);
    }
}
