package dev.ferry.train;

import dev.ferry.eval.EpochRecord;
import java.util.List;

/**
 * The outcome of {@link Trainer#train}.
 *
 * @param history one record per epoch
 * @param bestEpoch epoch whose weights the model keeps (the last one without validation data)
 * @param bestValAccuracy validation accuracy of that epoch (NaN without validation data)
 * @param learningRates the head's learning rate at every optimizer step (for the report)
 * @param seconds wall time of the run
 * @param backboneImages images that went through the backbone while caching features
 * @param stoppedEarly whether early stopping ended the run
 */
public record TrainResult(
        List<EpochRecord> history,
        int bestEpoch,
        double bestValAccuracy,
        double[] learningRates,
        double seconds,
        long backboneImages,
        boolean stoppedEarly) {}
