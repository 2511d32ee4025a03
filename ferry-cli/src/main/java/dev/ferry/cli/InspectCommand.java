package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import dev.ferry.data.Duplicates;
import dev.ferry.eval.ReportWriter;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.workflow.Inspect;
import dev.ferry.workflow.InspectReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry inspect}: what a dataset holds and what is wrong with it ({@link Inspect}). Writes
 * {@code inspect.json}, {@code report.html} and the map's PNG into {@code --out}.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Look at your images before training: images per class and split, sizes and formats, unreadable files,"
                    + " exact and near duplicates within and across splits (a copy in both training and test images inflates"
                    + " the test score); with --weights also likely label errors (out-of-fold linear probes on the backbone's"
                    + " features, confident learning), outliers far from every class, and a 2-D map of the images.",
            "Unreadable files are listed, never fatal."
        })
public final class InspectCommand extends FerryCommand {
    /** The results' file name in {@code --out}. */
    static final String DATA = "inspect.json";

    @CommandLine.Mixin
    PresetOptions presetOptions = new PresetOptions();

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Training images: one sub-folder per class.")
    Path data;

    @Option(names = "--val", paramLabel = "DIR", description = "Validation images, inspected with the training images and compared with them.")
    Path val;

    @Option(names = "--test", paramLabel = "DIR", description = "Test images, likewise.")
    Path test;

    @Option(names = "--weights", paramLabel = "SPEC",
            description = "Backbone for label errors, outliers and the map: a known name (ferry weights list), hf-hub:ORG/NAME,"
                    + " a weights file or a model directory. Without it, only files and duplicates are inspected.")
    String weights;

    @Option(names = "--folds", defaultValue = "5", description = "Out-of-fold probes (default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the folds and the map (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per backbone batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--near-correlation", paramLabel = "C",
            description = "Thumbprint correlation from which two images are near duplicates (default: "
                    + Duplicates.DEFAULT_MIN_CORRELATION + ").")
    double nearCorrelation = Duplicates.DEFAULT_MIN_CORRELATION;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--out", defaultValue = "ferry-inspect", paramLabel = "DIR",
            description = "Folder for inspect.json, report.html and the map (default: ${DEFAULT-VALUE}).")
    Path out;

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        PrintWriter stdout = out();
        requireFolderPath(out, "--out");
        if (!(nearCorrelation > 0 && nearCorrelation <= 1)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--near-correlation must be in (0, 1], got " + nearCorrelation);
        }
        Map<String, Path> splits = new LinkedHashMap<>();
        splits.put("train", data);
        if (val != null) {
            splits.put("val", val);
        }
        if (test != null) {
            splits.put("test", test);
        }
        Inspect.Result r = Inspect.run(new Inspect.Options(splits, weights, presetOptions.override(), folds, seed, batchSize, threads.resolve(),
                nearCorrelation), log());
        Map<String, Object> o = InspectReport.json(r);
        String jsonText = new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create().toJson(o);
        AtomicFiles.writeString(out.resolve(DATA), jsonText + "\n");
        Path page = ReportWriter.write(InspectReport.report(r), out);
        err().println("ferry: wrote " + out.resolve(DATA) + " and " + page);
        if (json.on()) {
            stdout.println(new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(o));
        } else {
            stdout.print(InspectReport.text(r));
        }
        return OK;
    }
}
