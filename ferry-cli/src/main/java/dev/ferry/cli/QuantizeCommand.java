package dev.ferry.cli;

import dev.ferry.model.Int8Calibration;
import dev.ferry.workflow.PredictionJson;
import dev.ferry.workflow.Quantize;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry quantize}: a model's static int8 network, calibrated on the user's images. */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Quantize a trained model to int8 (QDQ: int8 weights per channel, uint8 activations calibrated on your",
            "images, the head in float), written as model.int8.onnx in the model folder; predict, evaluate and",
            "serve run it with --int8. --compare DIR measures float against int8 on a labelled folder."
        })
public final class QuantizeCommand extends FerryCommand {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--calibration", required = true, paramLabel = "DIR",
            description = "Images like those the model will see (searched recursively; no labels needed), e.g. the training folder.")
    Path calibration;

    @Option(names = "--images", defaultValue = "" + Quantize.DEFAULT_IMAGES,
            description = "Calibration images used at most, spread over the folder (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--method", defaultValue = "minmax", paramLabel = "minmax|percentile|entropy",
            description = "Activation ranges: the whole observed range, the 0.01-99.99th percentiles, or the least-KL threshold (default: ${DEFAULT-VALUE}).")
    Int8Calibration.Method method;

    @Option(names = "--compare", paramLabel = "DIR",
            description = "A labelled folder (one sub-folder per class) to compare float and int8 on: top-1, agreement, speed.")
    Path compare;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        Quantize.Result r = Quantize.run(new Quantize.Options(model, calibration, images, method, compare, threads.resolve()));
        Quantize.Comparison c = r.comparison();
        if (json.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", r.file().toString());
            m.put("method", r.method().name().toLowerCase(Locale.ROOT));
            m.put("calibrationImages", r.calibrationImages());
            m.put("quantizedActivations", r.points());
            m.put("comparison", c);
            out().println(PredictionJson.render(m));
            return OK;
        }
        out().println(r.file());
        err().printf(Locale.ROOT, "ferry: int8 network written: %d activations calibrated on %d images (%s)%n", r.points(),
                r.calibrationImages(), r.method().name().toLowerCase(Locale.ROOT));
        if (c != null) {
            out().printf(Locale.ROOT, "images compared:      %d%n", c.images());
            out().printf(Locale.ROOT, "top-1 float / int8:   %.2f%% / %.2f%% (%+.2f points)%n", 100 * c.floatTop1(), 100 * c.int8Top1(),
                    100 * (c.int8Top1() - c.floatTop1()));
            out().printf(Locale.ROOT, "same top-1 class:     %.2f%%%n", 100 * c.agreement());
            out().printf(Locale.ROOT, "max probability diff: %.4f%n", c.maxProbabilityDifference());
            out().printf(Locale.ROOT, "images/s float / int8 (batch 16, this machine): %.1f / %.1f (%.2fx)%n",
                    c.floatImagesPerSecond(), c.int8ImagesPerSecond(), c.speedup());
        }
        return OK;
    }
}
