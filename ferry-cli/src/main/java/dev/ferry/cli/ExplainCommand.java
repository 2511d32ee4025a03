package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import dev.ferry.model.Stage;
import dev.ferry.workflow.Explain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry explain}: Grad-CAM of a trained model on images ({@link Explain}), one overlay PNG per
 * image in {@code --out} and a line (or a JSON object) per image.
 *
 * <p>Exit codes: 0 every image was explained; 2 bad usage, an unusable model, an unknown layer or
 * class, or an image that cannot be read (then nothing is written).
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Show which parts of each image speak for a class (Grad-CAM), as a heat map over the image.",
            "Each image is prepared exactly as ferry predict prepares it; the map is drawn over the network's view of it"
                    + " (after resize and crop)."
        })
public final class ExplainCommand extends FerryCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--layer", defaultValue = "layer4", paramLabel = "STAGE",
            description = "The stage to explain: layer1, layer2, layer3 or layer4 (default: ${DEFAULT-VALUE}).")
    String layer;

    @Option(names = "--class", paramLabel = "NAME", description = "The class to explain (default: each image's predicted class).")
    String targetClass;

    @Option(names = "--out", defaultValue = "ferry-explain", paramLabel = "DIR",
            description = "Folder for the overlay PNGs, NAME" + Explain.SUFFIX + " (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--json", description = "Print one JSON array on stdout: [{\"image\", \"class\", \"index\", \"predicted\","
            + " \"probability\", \"logit\", \"layer\", \"constant\", \"png\", \"cam\"}].")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (or folders of images).")
    List<Path> images;

    @Override
    protected int run() {
        requireFolderPath(outDir, "--out");
        Stage stage = Stage.parse(layer);
        Explain.Result r = Explain.run(new Explain.Options(model, images, stage, targetClass, outDir));
        PrintWriter out = out();
        if (json) {
            out.println(json(r));
        } else {
            for (Explain.Explanation e : r.explanations()) {
                out.println(text(e));
            }
        }
        long constant = r.explanations().stream().filter(Explain.Explanation::constant).count();
        if (constant > 0) {
            err().println("ferry: " + constant + " of " + r.explanations().size() + " maps are constant (no position of "
                    + stage.id() + " speaks for the class); their overlays show no heat");
        }
        return OK;
    }

    /** {@code image  class (index)  probability  png}, and a note when the map is constant. */
    static String text(Explain.Explanation e) {
        return String.format(Locale.ROOT, "%s  %s (%d)  %.4f  %s%s", e.image(), e.className(), e.classIndex(), e.probability(),
                e.png(), e.constant() ? "  (constant map)" : "");
    }

    static String json(Explain.Result r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Explain.Explanation e : r.explanations()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("image", e.image().toString());
            o.put("class", e.className());
            o.put("index", e.classIndex());
            o.put("predicted", r.info().classes().get(e.predictedIndex()));
            o.put("probability", e.probability());
            o.put("logit", e.logit());
            o.put("layer", e.stage().id());
            o.put("constant", e.constant());
            o.put("png", e.png() == null ? null : e.png().toString());
            o.put("cam", e.cam());
            rows.add(o);
        }
        return new GsonBuilder().serializeNulls().create().toJson(rows);
    }
}
