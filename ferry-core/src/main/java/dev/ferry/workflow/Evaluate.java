package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.data.Augmentation;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImagesException;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.train.Evaluation;
import dev.ferry.train.FolderSource;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.workflow.Reports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model's metrics on a labelled image folder, as a library call. The folder's class
 * sub-folders are matched to the model's classes by name, so a test set may hold a subset of them;
 * a folder the model does not know is an error, since its images could never be classified
 * correctly. Everything that can be checked (the model's description, the folder, every image) is
 * checked before the network is loaded.
 *
 * <pre>{@code
 * Evaluate.Result r = Evaluate.run(new Evaluate.Options(Path.of("models/photos"), Path.of("photos-test"),
 *         32, 4, false, null));
 * System.out.println(r.metrics().accuracy());
 * }</pre>
 */
public final class Evaluate {
    private Evaluate() {}

    /**
     * What to evaluate.
     *
     * @param model a model directory written by training
     * @param data test images, one sub-folder per class
     * @param batchSize images per forward pass
     * @param threads decoding threads
     * @param skipBad leave out unreadable images (listed in the result) instead of stopping
     * @param report a folder for report.html and its charts, or null
     * @param mirror test-time augmentation: each image's probabilities averaged with its mirror
     *     image's
     * @param int8 the model's int8 network ({@code ferry quantize}) instead of the float one
     */
    public record Options(Path model, Path data, int batchSize, int threads, boolean skipBad, Path report,
                          boolean mirror, boolean int8) {
        /** Without test-time augmentation. */
        public Options(Path model, Path data, int batchSize, int threads, boolean skipBad, Path report) {
            this(model, data, batchSize, threads, skipBad, report, false);
        }

        /** The float network. */
        public Options(Path model, Path data, int batchSize, int threads, boolean skipBad, Path report, boolean mirror) {
            this(model, data, batchSize, threads, skipBad, report, mirror, false);
        }

        public Options {
            if (model == null || data == null) {
                throw new InputException("a model directory and a test folder are required");
            }
            if (batchSize < 1) {
                throw new InputException("the batch size must be at least 1, got " + batchSize);
            }
            if (threads < 1) {
                throw new InputException("the thread count must be at least 1, got " + threads);
            }
        }
    }

    /**
     * The evaluation.
     *
     * @param info the model's description
     * @param metrics the metrics over every usable image
     * @param skipped the images left out (with {@code skipBad})
     * @param report the report.html written, or null
     */
    public record Result(ModelInfo info, ClassificationMetrics metrics, List<BadImage> skipped, Path report) {}

    /**
     * Evaluates.
     *
     * @throws BadImagesException listing every bad image when there are some and {@code skipBad} is off
     * @throws InputException for an unusable model, folder or report folder
     */
    public static Result run(Options o) {
        checkReportFolder(o.report());
        ModelInfo info = ModelDirectory.readInfo(o.model());
        List<Sample> samples = samples(ImageFolder.scan(o.data()), info.classes(), o.model());
        ImageValidator.Checked checked = ImageValidator.check(samples, o.threads(), o.skipBad(), done -> { });
        List<BadImage> bad = checked.bad();
        samples = checked.usable();
        if (samples.isEmpty()) {
            throw new InputException("no usable images left in " + o.data() + " after skipping " + bad.size() + " bad ones");
        }
        ClassificationMetrics metrics;
        try (Networks.Open net = Networks.openModel(o.model(), null, InferenceNetwork.defaultThreads(), o.int8());
             FolderSource source = new FolderSource(samples, info.preset(), Augmentation.none(), o.threads(), false)) {
            Evaluation ev = Inference.evaluate(net.network(), source, o.batchSize(), net.temperature(), o.mirror())
                    .requireFinite();
            metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), info.classes(), ev.loss());
        }
        Path written = null;
        if (o.report() != null) {
            // The gallery's images only, each for the class it was (wrongly) given: Grad-CAM needs
            // libtorch's autograd, which the evaluation itself never starts.
            List<dev.ferry.eval.SampleResult> shown = Reports.galleryResults(metrics);
            List<Path> paths = new ArrayList<>();
            int[] predicted = new int[shown.size()];
            for (int i = 0; i < shown.size(); i++) {
                paths.add(samples.get(shown.get(i).index()).path());
                predicted[i] = shown.get(i).predicted();
            }
            List<byte[]> overlays = Explain.overlays(o.model(), info, paths, predicted);
            written = Reports.writeEvaluation(o.report(), info, o.data(), metrics, samples, bad, overlays);
        }
        return new Result(info, metrics, List.copyOf(bad), written);
    }

    /**
     * Refuses a folder an evaluation report cannot go to, before any work: a file, or a model
     * directory (whose report.html is its training report).
     *
     * @param report the folder, or null for no report
     */
    public static void checkReportFolder(Path report) {
        if (report != null && Files.exists(report) && !Files.isDirectory(report)) {
            throw new InputException("the report folder is a file: " + report);
        }
        if (report != null && Files.isRegularFile(report.resolve(ModelDirectory.INFO))) {
            throw new InputException("the report folder " + report + " is a model directory, whose report.html is its "
                    + "training report; write the evaluation beside it (e.g. " + report.resolve("evaluation") + ")");
        }
    }

    /**
     * The folder's images labelled with the model's class indices, matched by class name.
     *
     * @throws InputException naming the first class folder the model does not know
     */
    public static List<Sample> samples(ImageFolder folder, List<String> modelClasses, Path model) {
        int[] toModel = new int[folder.classes().size()];
        for (int c = 0; c < toModel.length; c++) {
            String name = folder.classes().get(c);
            toModel[c] = modelClasses.indexOf(name);
            if (toModel[c] < 0) {
                throw new InputException("class folder '" + name + "' (" + folder.root().resolve(name) + ") is not one of the model's "
                        + modelClasses.size() + " classes (" + String.join(", ", modelClasses) + "; " + model + ")");
            }
        }
        List<Sample> out = new ArrayList<>(folder.samples().size());
        for (Sample s : folder.samples()) {
            out.add(new Sample(s.path(), toModel[s.label()]));
        }
        return out;
    }
}
