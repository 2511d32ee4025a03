package dev.ferry.cli;

import dev.ferry.workflow.Predict;
import dev.ferry.InputException;
import dev.ferry.data.BadImage;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.model.Architecture;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.Predictor;
import dev.ferry.train.Pretrained;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry predict}: the top-k classes of image files, from raw weights or a trained model.
 *
 * <p>Exit codes: 0 every image was predicted; 1 some inputs could not be read (each is named on
 * stderr, the others are predicted and written); 2 bad usage, an unusable network, or not a single
 * input could be read (then nothing is written).
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Predict the classes of images with pretrained weights or a trained model.",
            "Folders are searched recursively for image files. A bad image is named on stderr and the others "
                    + "are still predicted; the exit code is then 1 (2 if no image could be read)."
        })
public final class PredictCommand extends FerryCommand {
    @CommandLine.Mixin
    TtaOption tta = new TtaOption();

    @CommandLine.Mixin
    Int8Option int8 = new Int8Option();

    @Option(names = "--weights", paramLabel = "FILE|NAME",
            description = "Pretrained weights: a .pth/.safetensors file, a ferry model folder, or a name such as resnet50.IMAGENET1K_V2.")
    String weights;

    @Option(names = "--arch", converter = Converters.ArchitectureConverter.class,
            description = "Expected architecture; an error if the network is another one.")
    Architecture arch;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--top-k", defaultValue = "5", description = "Classes per image (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--json", description = "Print one JSON array on stdout: [{\"image\", \"top\": [{\"index\", \"label\", \"probability\"}]}].")
    boolean json;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write image,rank,index,label,probability rows to FILE instead of printing.")
    Path csv;

    @CommandLine.Mixin
    ForwardBatchOption batch = new ForwardBatchOption();

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "Image files and folders of images.")
    List<Path> inputs;

    @Override
    protected int run() {
        PrintWriter out = out();
        PrintWriter err = err();
        int batchSize = checkOptions();
        int nThreads = threads.resolve();
        if (model != null && arch != null) {
            // Checked on model.json before anything is loaded, in the command line's terms.
            String found = ModelDirectory.readInfo(model).arch();
            if (!arch.id().equals(found)) {
                throw new InputException("--arch " + arch.id() + " does not match the model, which is " + found + " (" + model + ")");
            }
        }
        Predict.Options options = new Predict.Options(new Predict.Network(weights, model, arch, int8.int8), inputs, topK, batchSize, nThreads,
                tta.tta);
        if (int8.int8) {
            err().println("ferry: predicting with the int8 network (" + model.resolve(dev.ferry.workflow.Quantize.FILE) + ")");
        }
        Predict.Result r = Predict.run(options, new Predictor.Sink() {
            @Override
            public void predicted(Predictor.Prediction p) {
                if (!json && csv == null) {
                    // Text is streamed, so a long folder shows results as they come.
                    out.print(text(p));
                    out.flush();
                }
            }

            @Override
            public void failed(BadImage bad) {
                err.println("ferry: error: " + bad);
                err.flush();
            }
        }, log());
        if (json) {
            out.println(json(r.predictions()));
        } else if (csv != null) {
            AtomicFiles.writeString(csv, csv(r.predictions()));
            err.println("ferry: wrote " + r.predictions().size() + " predictions to " + csv);
        }
        if (!r.failed().isEmpty()) {
            err.println("ferry: error: " + r.failed().size() + " of " + r.total() + " inputs could not be read; the other "
                    + r.predictions().size() + " were predicted");
            return FAILED;
        }
        return OK;
    }

    /** Checks the options that depend on each other; returns the batch size. */
    private int checkOptions() {
        if ((weights == null) == (model == null)) {
            throw new InputException(weights == null
                    ? "give the network: --weights FILE|NAME or --model DIR"
                    : "--weights and --model are exclusive: give one network");
        }
        if (json && csv != null) {
            throw new InputException("--json and --csv are exclusive: choose one output");
        }
        if (topK < 1) {
            throw new InputException("--top-k must be at least 1, got " + topK);
        }
        int batchSize = batch.resolve();
        if (csv != null && Files.isDirectory(csv)) {
            throw new InputException("--csv is a folder, not a file: " + csv);
        }
        return batchSize;
    }

    /** The image's path, then one indented line per class: probability, label, index. */
    static String text(Predictor.Prediction p) {
        StringBuilder sb = new StringBuilder().append(p.image()).append('\n');
        for (Predictor.Top t : p.top()) {
            sb.append(String.format(Locale.ROOT, "  %.4f  %s (%d)%n", t.probability(), t.label(), t.index()));
        }
        return sb.toString();
    }

    static String json(List<Predictor.Prediction> predictions) {
        return dev.ferry.workflow.PredictionJson.toJson(predictions);
    }

    static String csv(List<Predictor.Prediction> predictions) {
        StringBuilder sb = new StringBuilder("image,rank,index,label,probability\n");
        for (Predictor.Prediction p : predictions) {
            for (int r = 0; r < p.top().size(); r++) {
                Predictor.Top t = p.top().get(r);
                sb.append(csvField(p.image().toString())).append(',').append(r + 1).append(',').append(t.index()).append(',')
                        .append(csvField(t.label())).append(',').append(t.probability()).append('\n');
            }
        }
        return sb.toString();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
