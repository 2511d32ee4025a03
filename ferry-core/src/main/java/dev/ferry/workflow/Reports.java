package dev.ferry.workflow;

import dev.ferry.train.Evaluation;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainResult;
import dev.ferry.data.BadImage;
import dev.ferry.data.Sample;
import dev.ferry.eval.Calibration;
import dev.ferry.eval.Charts;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.eval.GalleryItem;
import dev.ferry.eval.Report;
import dev.ferry.eval.ReportWriter;
import dev.ferry.eval.SampleResult;
import dev.ferry.eval.Thumbnails;
import dev.ferry.eval.WorstSamples;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The HTML reports of {@code ferry train} and {@code ferry evaluate}. */
public final class Reports {
    /** Worst-classified images shown in a report's gallery. */
    public static final int GALLERY = 12;

    private Reports() {}

    /** Writes {@code report.html} (and its PNGs) for a finished training run into {@code dir}. */
    public static Path writeTraining(Path dir, ModelInfo info, TrainResult result, ClassificationMetrics val,
            List<Sample> valSamples, List<BadImage> skipped) {
        return writeTraining(dir, info, result, val, valSamples, skipped, null);
    }

    /**
     * As above; with {@code calibrated} (the validation evaluation the model's calibration was
     * fitted on) the report also shows the calibration and its reliability diagram.
     */
    public static Path writeTraining(Path dir, ModelInfo info, TrainResult result, ClassificationMetrics val,
            List<Sample> valSamples, List<BadImage> skipped, Evaluation calibrated) {
        return writeTraining(dir, info, result, val, valSamples, skipped, calibrated, true);
    }

    /**
     * As above; with {@code images} false, or when an image of the gallery cannot be read (a run
     * on precomputed features, whose images may be elsewhere), the worst-classified validation
     * images are listed by path instead of shown.
     */
    public static Path writeTraining(Path dir, ModelInfo info, TrainResult result, ClassificationMetrics val,
            List<Sample> valSamples, List<BadImage> skipped, Evaluation calibrated, boolean images) {
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("architecture", info.arch() + " (width " + info.width() + ", " + info.stem() + " stem)");
        summary.put("strategy", info.strategy());
        summary.put("classes", String.join(", ", info.classes()));
        summary.put("epochs", Integer.toString(result.history().size()) + (result.stoppedEarly() ? " (stopped early)" : ""));
        summary.put("best epoch", Integer.toString(result.bestEpoch()));
        if (!Double.isNaN(result.bestValAccuracy())) {
            summary.put("best validation accuracy", String.format(Locale.ROOT, "%.4f", result.bestValAccuracy()));
        }
        summary.put("training time", String.format(Locale.ROOT, "%.1f s", result.seconds()));
        if (result.backboneImages() > 0) {
            summary.put("feature cache", result.backboneImages() + " images through the backbone once");
        }
        info.hyperParameters().forEach((k, v) -> summary.put(k, k.equals("strategy") ? strategy(v) : String.valueOf(v)));
        TrainingRun.Choices choices = TrainingRun.Choices.fromJson(info.extra());
        if (choices.learningRate() != null) {
            summary.put("learning rate", choices.learningRate().line());
        }
        if (choices.strategy() != null) {
            summary.put("strategy choice", choices.strategy().line());
        }
        Report.Builder b = Report.builder("ferry training report: " + info.arch() + ", " + info.strategy())
                .summary("Run", summary);
        CrossValidation.Summary cv = choices.crossValidation();
        if (cv != null) {
            Map<String, String> c = new LinkedHashMap<>();
            for (int f = 0; f < cv.folds(); f++) {
                c.put("fold " + (f + 1), String.format(Locale.ROOT, "%.4f", cv.accuracies().get(f)));
            }
            c.put("mean accuracy", String.format(Locale.ROOT, "%.4f", cv.mean()));
            c.put("standard deviation", String.format(Locale.ROOT, "%.4f (sample, over %d folds)", cv.sd(), cv.folds()));
            c.put("95% interval", String.format(Locale.ROOT, "%.4f to %.4f (mean +- t(0.975, %d) x sd / sqrt(%d) = +- %.4f)",
                    cv.low(), cv.high(), cv.folds() - 1, cv.folds(), cv.halfWidth()));
            c.put("accuracy of a fold", CrossValidation.ACCURACY_OF);
            b.summary("Cross-validation of the recipe (" + cv.folds() + " stratified folds)", c);
        }
        b
                .chart("Learning curves", "learning_curves.png", Charts.learningCurves(result.history()));
        if (result.learningRates().length > 0) {
            b.chart("Learning-rate schedule", "lr_schedule.png", Charts.learningRateSchedule(result.learningRates()));
        }
        if (val != null) {
            b.metrics("Validation metrics (final model)", val)
                    .chart("Confusion matrix (validation)", "confusion_matrix.png", Charts.confusionMatrix(val));
            List<GalleryItem> shown = images ? galleryOrNull(val, valSamples) : null;
            if (shown != null) {
                b.gallery("Worst-classified validation images", shown);
            } else {
                b.text("Worst-classified validation images (the images are not at hand)", listing(val, valSamples));
            }
        }
        Calibration cal = info.calibration();
        if (cal != null && calibrated != null) {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("temperature", String.format(Locale.ROOT, "%.4f (fitted on %d validation images; prediction and "
                    + "evaluation divide the logits by it)", cal.temperature(), cal.samples()));
            c.put("expected calibration error", String.format(Locale.ROOT, "%.4f before, %.4f after (%d bins)",
                    cal.eceBefore(), cal.eceAfter(), Calibration.BINS));
            c.put("negative log-likelihood", String.format(Locale.ROOT, "%.4f before, %.4f after", cal.nllBefore(),
                    cal.nllAfter()));
            float[][] after = new float[calibrated.probabilities().length][];
            for (int i = 0; i < after.length; i++) {
                after[i] = cal.apply(calibrated.probabilities()[i]);
            }
            b.summary("Calibration (temperature scaling)", c).chart("Reliability diagram (validation)", "reliability.png",
                    Charts.reliability(Calibration.Reliability.of(calibrated.probabilities(), calibrated.labels(),
                            Calibration.BINS), Calibration.Reliability.of(after, calibrated.labels(), Calibration.BINS),
                            cal.temperature()));
        }
        if (!skipped.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            skipped.forEach(s -> sb.append(s.path()).append(": ").append(s.reason()).append('\n'));
            b.text("Skipped images (unreadable, left out)", sb.toString());
        }
        return ReportWriter.write(b.build(), dir);
    }

    /** The recorded strategy for people: {@code fine-tune (backbone rate x0.1)}, not a map's toString. */
    private static String strategy(Object description) {
        if (description instanceof Map<?, ?> m) {
            Map<String, Object> d = new LinkedHashMap<>();
            m.forEach((k, v) -> d.put(String.valueOf(k), v));
            try {
                return Strategy.fromDescription(d).summary();
            } catch (dev.ferry.InputException e) {
                // a description this version cannot read back: show its entries
                StringBuilder sb = new StringBuilder();
                d.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
                return sb.toString();
            }
        }
        return String.valueOf(description);
    }

    /** Writes an evaluation report for a test set into {@code dir}. */
    public static Path writeEvaluation(Path dir, ModelInfo info, Path data, ClassificationMetrics metrics,
            List<Sample> samples, List<BadImage> skipped) {
        return writeEvaluation(dir, info, data, metrics, samples, skipped, null);
    }

    /**
     * As above; {@code overlays} (or null) holds, for each image of the gallery in order
     * ({@link #galleryResults}), the PNG shown next to its thumbnail (its Grad-CAM overlay).
     */
    public static Path writeEvaluation(Path dir, ModelInfo info, Path data, ClassificationMetrics metrics,
            List<Sample> samples, List<BadImage> skipped, List<byte[]> overlays) {
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("model", info.arch() + " (" + info.strategy() + ")");
        summary.put("data", data.toString());
        summary.put("images", Integer.toString(metrics.sampleCount()));
        summary.put("accuracy", String.format(Locale.ROOT, "%.4f", metrics.accuracy()));
        Report.Builder b = Report.builder("ferry evaluation report")
                .summary("Evaluation", summary)
                .metrics("Metrics", metrics)
                .chart("Confusion matrix", "confusion_matrix.png", Charts.confusionMatrix(metrics))
                .gallery("Worst-classified images", gallery(metrics, samples, overlays));
        if (!skipped.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            skipped.forEach(s -> sb.append(s.path()).append(": ").append(s.reason()).append('\n'));
            b.text("Skipped images (unreadable, left out)", sb.toString());
        }
        return ReportWriter.write(b.build(), dir);
    }

    /**
     * Writes the report of an evaluation whose images are not at hand (read on a cluster, say):
     * the summary, the metrics and the confusion matrix as {@link #writeEvaluation} writes them,
     * and the worst-classified images listed by path instead of shown.
     *
     * @param model the network, in words
     * @param data where the images were read
     * @param worst the misclassified images among the worst, worst first, as {@link #galleryResults} gives them
     * @param skipped one line per image left out
     */
    public static Path writeListedEvaluation(Path dir, String model, String data, ClassificationMetrics metrics,
            List<WorstSamples.Sample> worst, List<String> skipped) {
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("model", model);
        summary.put("data", data);
        summary.put("images", Integer.toString(metrics.sampleCount()));
        summary.put("accuracy", String.format(Locale.ROOT, "%.4f", metrics.accuracy()));
        StringBuilder listed = new StringBuilder();
        for (WorstSamples.Sample s : worst) {
            listed.append(listed(metrics, s.key(), s.trueLabel(), s.predicted(), s.confidence()));
        }
        Report.Builder b = Report.builder("ferry evaluation report")
                .summary("Evaluation", summary)
                .metrics("Metrics", metrics)
                .chart("Confusion matrix", "confusion_matrix.png", Charts.confusionMatrix(metrics))
                .text("Worst-classified images (the images are not at hand)",
                        listed.length() == 0 ? "none misclassified\n" : listed.toString());
        if (!skipped.isEmpty()) {
            b.text("Skipped images (unreadable, left out)", String.join("\n", skipped) + "\n");
        }
        return ReportWriter.write(b.build(), dir);
    }

    /** The gallery's images: the worst-classified, at most {@link #GALLERY}, misclassified only. */
    public static List<SampleResult> galleryResults(ClassificationMetrics m) {
        List<SampleResult> out = new ArrayList<>();
        for (SampleResult r : m.worst(GALLERY)) {
            if (r.correct()) {
                break;
            }
            out.add(r);
        }
        return out;
    }

    /** The gallery, or null when one of its images is not a readable file. */
    private static List<GalleryItem> galleryOrNull(ClassificationMetrics m, List<Sample> samples) {
        for (SampleResult r : galleryResults(m)) {
            if (!java.nio.file.Files.isRegularFile(samples.get(r.index()).path())) {
                return null;
            }
        }
        try {
            return gallery(m, samples, null);
        } catch (dev.ferry.InputException e) {
            return null;
        }
    }

    /** The gallery's images as lines of text: path, true and predicted class, confidence. */
    private static String listing(ClassificationMetrics m, List<Sample> samples) {
        StringBuilder sb = new StringBuilder();
        for (SampleResult r : galleryResults(m)) {
            sb.append(listed(m, samples.get(r.index()).path().toString(), r.trueLabel(), r.predicted(), r.confidence()));
        }
        return sb.length() == 0 ? "none misclassified\n" : sb.toString();
    }

    /** One line of a listing of images: {@code path: class, predicted other (0.812)}. */
    private static String listed(ClassificationMetrics m, String path, int trueLabel, int predicted, double confidence) {
        return path + ": " + m.className(trueLabel) + ", predicted " + m.className(predicted)
                + String.format(Locale.ROOT, " (%.3f)", confidence) + "\n";
    }

    private static List<GalleryItem> gallery(ClassificationMetrics m, List<Sample> samples, List<byte[]> overlays) {
        List<GalleryItem> items = new ArrayList<>();
        List<SampleResult> shown = galleryResults(m);
        if (overlays != null && overlays.size() != shown.size()) {
            throw new IllegalArgumentException(overlays.size() + " overlays for a gallery of " + shown.size());
        }
        for (int i = 0; i < shown.size(); i++) {
            SampleResult r = shown.get(i);
            Path p = samples.get(r.index()).path();
            items.add(new GalleryItem(p.getFileName().toString(), Thumbnails.png(p, 128),
                    m.className(r.trueLabel()), m.className(r.predicted()), r.confidence(),
                    overlays == null ? null : overlays.get(i)));
        }
        return items;
    }
}
