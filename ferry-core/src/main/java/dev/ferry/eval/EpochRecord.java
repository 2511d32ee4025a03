package dev.ferry.eval;

/**
 * What one training epoch measured; the CLI prints it as a line, {@code --json} as a JSON line, and
 * the report plots the sequence.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss over the epoch
 * @param trainAccuracy training accuracy over the epoch (on augmented samples), 0..1
 * @param valLoss mean validation loss, NaN without a validation set
 * @param valAccuracy validation accuracy 0..1, NaN without a validation set
 * @param learningRate the head's learning rate at the end of the epoch
 * @param seconds wall time of the epoch (training and validation)
 * @param imagesPerSecond training images per second
 */
public record EpochRecord(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double learningRate,
        double seconds,
        double imagesPerSecond) {}
