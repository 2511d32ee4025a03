package dev.ferry.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.ferry.platform.Engines;
import dev.ferry.InputException;
import dev.ferry.data.Augmentation;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImagesException;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.eval.MetricsJson;
import dev.ferry.eval.MetricsText;
import dev.ferry.train.Evaluation;
import dev.ferry.train.FolderSource;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Reports;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry evaluate}: a trained model's metrics on a labelled image folder.
 *
 * <p>The folder's class sub-folders are matched to the model's classes by name, so a test set may
 * hold a subset of the classes (a missing class simply has no support); a folder the model does not
 * know is an error, since its images could never be classified correctly.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Evaluate a trained model on a labelled image folder.",
            "The folder has one sub-folder per class, named as the model's classes (a subset is fine). Prints "
                    + "accuracy, top-5 accuracy (more than 5 classes), per-class precision/recall/F1/support, macro and "
                    + "weighted averages, the confusion matrix and the mean loss."
        })
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Test images: one sub-folder per class.")
    Path data;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the text report.")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write report.html (with its charts) into DIR.")
    Path report;

    @Option(names = "--skip-bad", description = "Leave out unreadable images (listed in the report) instead of stopping.")
    boolean skipBad;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", description = "Decoding threads (default: the number of cores).")
    Integer threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (batchSize < 1) {
            throw new InputException("--batch-size must be at least 1, got " + batchSize);
        }
        if (threads != null && threads < 1) {
            throw new InputException("--threads must be at least 1, got " + threads);
        }
        if (report != null && Files.exists(report) && !Files.isDirectory(report)) {
            throw new InputException("--report is a file, not a folder: " + report);
        }
        if (report != null && Files.isRegularFile(report.resolve(ModelDirectory.INFO))) {
            throw new InputException("--report " + report + " is a model directory, whose report.html is its training "
                    + "report; write the evaluation beside it (e.g. --report " + report.resolve("evaluation") + ")");
        }
        int nThreads = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());

        // Everything that can be checked is checked before the network is loaded.
        ModelInfo info = ModelDirectory.readInfo(model);
        List<Sample> samples = samples(ImageFolder.scan(data), info.classes(), model);
        List<BadImage> bad = ImageValidator.findBad(samples.stream().map(Sample::path).toList(), nThreads);
        if (!bad.isEmpty()) {
            if (!skipBad) {
                bad.forEach(b -> err.println("ferry: bad image: " + b));
                err.flush();
                throw new BadImagesException(bad);
            }
            Set<Path> badPaths = new HashSet<>();
            bad.forEach(b -> {
                badPaths.add(b.path());
                err.println("ferry: warning: skipped bad image " + b);
            });
            err.flush();
            samples = samples.stream().filter(s -> !badPaths.contains(s.path())).toList();
            if (samples.isEmpty()) {
                throw new InputException("no usable images left in " + data + " after skipping " + bad.size() + " bad ones");
            }
        }

        ClassificationMetrics metrics;
        try (NDManager manager = Engines.newManager()) {
            ModelDirectory.Loaded loaded = ModelDirectory.load(model, manager);
            try (FolderSource source = new FolderSource(samples, info.preset(), Augmentation.none(), nThreads, false)) {
                Evaluation ev = Inference.evaluate(loaded.net(), source, batchSize, manager).requireFinite();
                metrics = ClassificationMetrics.compute(ev.labels(), ev.probabilities(), info.classes(), ev.loss());
            }
        }
        if (report != null) {
            Path written = Reports.writeEvaluation(report, info, data, metrics, samples, bad);
            err.println("ferry: report written to " + written);
        }
        if (json) {
            JsonObject o = MetricsJson.toJsonObject(metrics);
            o.addProperty("model", model.toString());
            o.addProperty("data", data.toString());
            JsonArray skipped = new JsonArray();
            bad.forEach(b -> skipped.add(b.toString()));
            o.add("skipped", skipped);
            out.println(new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(o));
        } else {
            out.print(MetricsText.render(metrics));
        }
        out.flush();
        err.flush();
        return 0;
    }

    /**
     * The folder's images labelled with the model's class indices, matched by class name.
     *
     * @throws InputException naming the first class folder the model does not know
     */
    static List<Sample> samples(ImageFolder folder, List<String> modelClasses, Path model) {
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
