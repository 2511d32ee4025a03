package dev.ferry.eval;

import java.util.List;
import java.util.Objects;

/**
 * One backbone of a sweep: its cost and what a linear probe on its features scored on each fold.
 *
 * @param name the candidate as given, e.g. {@code resnet50.IMAGENET1K_V2} or {@code random:resnet18}
 * @param arch the architecture
 * @param width the base width (64 for torchvision's)
 * @param stem the stem's id
 * @param params parameters with a head for the task's classes
 * @param gmacs multiply-accumulates of one image at the candidate's crop, in billions
 * @param preset the preprocessing, e.g. {@code bilinear 232/224}
 * @param baseline a randomly initialised network, for comparison only
 * @param accuracies each fold's held-out accuracy, in fold order
 * @param mean their mean
 * @param sd their sample standard deviation
 * @param halfWidth the 95% Student-t half-width of the mean
 * @param penalties the probe's penalty chosen on each fold
 * @param featuresSeconds wall time to decode, preprocess and run every image through the backbone once
 * @param imagesPerSecond images per second through the backbone alone, as measured here
 */
public record BackboneScore(String name, String arch, int width, String stem, long params, double gmacs, String preset,
        boolean baseline, List<Double> accuracies, double mean, double sd, double halfWidth, List<Double> penalties,
        double featuresSeconds, double imagesPerSecond) {
    public BackboneScore {
        Objects.requireNonNull(name, "name");
        accuracies = List.copyOf(accuracies);
        penalties = List.copyOf(penalties);
    }

    /** The interval's lower end. */
    public double low() {
        return mean - halfWidth;
    }

    /** The interval's upper end. */
    public double high() {
        return mean + halfWidth;
    }
}
