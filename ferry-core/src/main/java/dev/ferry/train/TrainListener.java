package dev.ferry.train;

import dev.ferry.eval.EpochRecord;
/** Progress callbacks from the {@link Trainer}; the CLI draws its progress bar from them. */
public interface TrainListener {

    /**
     * The run's total epochs, known once what runs before training (a strategy trial) has chosen
     * the recipe; called before the first epoch.
     */
    default void planned(int totalEpochs) {}

    /** A phase starts (two-stage runs have two). */
    default void phaseStarted(String description) {}

    /** Features are being cached: {@code done} of {@code total} images through the backbone. */
    default void caching(int done, int total) {}

    /**
     * One optimizer step finished.
     *
     * @param epoch 1-based epoch
     * @param step 1-based step within the epoch
     * @param steps steps in the epoch
     * @param loss running mean training loss of the epoch
     * @param accuracy running training accuracy of the epoch
     * @param imagesPerSecond training throughput of the epoch so far
     */
    default void step(int epoch, int step, int steps, double loss, double accuracy, double imagesPerSecond) {}

    /** An epoch finished (validation included). */
    default void epochFinished(EpochRecord record, boolean best) {}

    /** A silent listener. */
    TrainListener NONE = new TrainListener() {};

    /**
     * The process is being stopped (SIGINT, SIGTERM) while the run trains; called on the shutdown
     * thread just before the run says what it kept. A listener drawing in place ends its line.
     */
    default void interrupted() {}
}
