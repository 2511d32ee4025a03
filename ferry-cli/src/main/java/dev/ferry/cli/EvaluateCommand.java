package dev.ferry.cli;

import dev.ferry.workflow.Evaluate;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.ferry.InputException;
import dev.ferry.data.BadImagesException;
import dev.ferry.eval.MetricsJson;
import dev.ferry.eval.MetricsText;
import dev.ferry.train.ModelDirectory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
public final class EvaluateCommand extends FerryCommand {

    @CommandLine.Mixin
    TtaOption tta = new TtaOption();

    @CommandLine.Mixin
    Int8Option int8 = new Int8Option();

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

    @CommandLine.Mixin
    ForwardBatchOption batch = new ForwardBatchOption();

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    protected int run() {
        PrintWriter out = out();
        PrintWriter err = err();
        int batchSize = batch.resolve();
        requireFolderPath(report, "--report");
        if (report != null && Files.isRegularFile(report.resolve(ModelDirectory.INFO))) {
            throw new InputException("--report " + report + " is a model directory, whose report.html is its training "
                    + "report; write the evaluation beside it (e.g. --report " + report.resolve("evaluation") + ")");
        }
        int nThreads = threads.resolve();
        if (int8.int8) {
            err.println("ferry: evaluating the int8 network (" + model.resolve(dev.ferry.workflow.Quantize.FILE) + ")");
        }
        Evaluate.Result r;
        try {
            r = Evaluate.run(new Evaluate.Options(model, data, batchSize, nThreads, skipBad, report, tta.tta, int8.int8));
        } catch (BadImagesException e) {
            e.badImages().forEach(b -> err.println("ferry: bad image: " + b));
            throw e;
        }
        r.skipped().forEach(b -> err.println("ferry: warning: skipped bad image " + b));
        if (r.report() != null) {
            err.println("ferry: report written to " + r.report());
        }
        if (json) {
            JsonObject o = MetricsJson.toJsonObject(r.metrics());
            o.addProperty("model", model.toString());
            o.addProperty("data", data.toString());
            JsonArray skipped = new JsonArray();
            r.skipped().forEach(b -> skipped.add(b.toString()));
            o.add("skipped", skipped);
            out.println(new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(o));
        } else {
            out.print(MetricsText.render(r.metrics()));
        }
        return OK;
    }
}
