package dev.ferry.eval;

/**
 * How the classifier did on one evaluated sample; sorting by {@link #trueProbability()} finds the
 * worst-classified samples for the report's gallery.
 *
 * @param index the sample's position in the evaluated arrays (and so in the caller's dataset)
 * @param trueLabel the true class index
 * @param predicted the predicted class index (argmax of the probabilities)
 * @param confidence the probability of the predicted class
 * @param trueProbability the probability the classifier gave the true class
 */
public record SampleResult(int index, int trueLabel, int predicted, double confidence, double trueProbability) {

    /** Whether the prediction is the true class. */
    public boolean correct() {
        return trueLabel == predicted;
    }
}
