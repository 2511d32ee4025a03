package dev.ferry.workflow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.RgbImage;
import dev.ferry.eval.Grids;
import dev.ferry.eval.Report;
import dev.ferry.eval.ReportWriter;
import dev.ferry.model.ResNet;
import dev.ferry.platform.Engines;
import dev.ferry.train.FeatureMaps;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A look inside a network, as a library call: its first convolution's filters as a grid of RGB
 * tiles and, given an image, the feature maps of the stem and of each stage (the first
 * {@value #CHANNELS} channels of each) as grids of grey tiles, written as PNGs with a
 * {@code report.html} that shows them all.
 *
 * <p>Every tile is min-max scaled on its own ({@link Grids}), so tiles show patterns, not
 * magnitudes: a dim filter and a strong one look alike. The image is prepared as prediction
 * prepares it (the network's resize, crop and normalisation).
 */
public final class Visualize {
    /** Channels shown per layer. */
    public static final int CHANNELS = 16;
    /** Tiles per row of every grid. */
    public static final int COLUMNS = 8;
    /** The file of the filter grid. */
    public static final String FILTERS = "filters.png";

    private Visualize() {}

    /**
     * What to show.
     *
     * @param weights pretrained weights (file or known name), or null
     * @param model a model directory written by training, or null
     * @param image an image whose feature maps to show, or null for the filters alone
     * @param out the folder for the PNGs and report.html (created if needed)
     */
    public record Options(String weights, Path model, Path image, Path out) {
        /** Checks that exactly one network is named and a folder is given. */
        public Options {
            if ((weights == null) == (model == null)) {
                throw new InputException(weights == null
                        ? Message.of("name the network: ", Setting.WEIGHTS, " or a model directory")
                        : Message.of(Setting.WEIGHTS, " and a model directory exclude each other: give one network"));
            }
            if (out == null) {
                throw new InputException(Message.of("a folder for the pictures is required (", Setting.OUT, ")"));
            }
        }
    }

    /**
     * One grid written.
     *
     * @param name what it shows: {@code conv1} for the filters, {@code stem} or {@code layer1}..{@code layer4}
     * @param file the PNG
     * @param shape the tensor shown: filters x 3 x k x k, or C x H x W of the layer's activations
     * @param shown the number of tiles
     */
    public record Picture(String name, Path file, List<Integer> shape, int shown) {
        /** Copies the shape. */
        public Picture {
            shape = List.copyOf(shape);
        }
    }

    /**
     * What was written.
     *
     * @param description the network loaded
     * @param report the report.html
     * @param pictures the filter grid, then the feature-map grids (with an image)
     */
    public record Result(String description, Path report, List<Picture> pictures) {
        /** Copies the list. */
        public Result {
            pictures = List.copyOf(pictures);
        }
    }

    /**
     * Writes the grids and the report.
     *
     * @param progress download progress, if a known weights name must be fetched
     * @throws InputException for an unusable network, image or folder
     */
    public static Result run(Options o, PrintStream progress) {
        List<Picture> pictures = new ArrayList<>();
        try (NDManager manager = Engines.newManager()) {
            Networks.Ready ready = o.model() != null ? Networks.fromModel(o.model(), null, manager)
                    : Networks.fromPretrained(o.weights(), null, manager, progress);
            ResNet net = ready.net();
            EvalTransform transform = new EvalTransform(ready.preset());
            // The image is read before anything is drawn, so that a bad one writes nothing.
            RgbImage view = o.image() == null ? null
                    : transform.resizeAndCrop(ImageDecoder.decode(o.image(), transform.exifTranspose()));
            NDArray w = net.conv1().getParameters().get("weight").getArray();
            long[] s = w.getShape().getShape();
            int filters = (int) s[0];
            int k = (int) s[2];
            Grids.Grid grid = Grids.filters(w.toFloatArray(), filters, (int) s[1], k, Grids.scaleFor(k, 48), COLUMNS);
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put("network", ready.description());
            summary.put("architecture", net.config().architecture().id() + " (width " + net.config().width() + ", "
                    + net.config().stem().id() + " stem)");
            summary.put("tiles", "each min-max scaled on its own: patterns, not magnitudes");
            List<Report.Chart> charts = new ArrayList<>();
            charts.add(new Report.Chart("First convolution's filters (conv1, " + filters + " x 3 x " + k + " x " + k + ")",
                    FILTERS, grid.png(), "red, green and blue are the filter's weights on the input's three channels"));
            pictures.add(new Picture("conv1", o.out().resolve(FILTERS), List.of(filters, (int) s[1], k, k), filters));
            if (view != null) {
                float[] pixels = new float[3 * view.width() * view.height()];
                transform.apply(view, null, pixels, 0);
                summary.put("image", o.image() + " (" + view.width() + "x" + view.height()
                        + " after the network's resize and crop)");
                for (FeatureMaps.Layer layer : FeatureMaps.compute(net, manager, pixels, 1, view.height(), view.width())) {
                    int shown = Math.min(CHANNELS, layer.channels());
                    float[][][] maps = new float[shown][][];
                    for (int c = 0; c < shown; c++) {
                        maps[c] = layer.channel(0, c);
                    }
                    Grids.Grid g = Grids.featureMaps(maps, Grids.scaleFor(Math.max(layer.height(), layer.width()), 64), COLUMNS);
                    String file = "feature_maps_" + layer.name() + ".png";
                    charts.add(new Report.Chart(String.format(Locale.ROOT, "Feature maps: %s (%d x %d x %d)", layer.name(),
                            layer.channels(), layer.height(), layer.width()), file, g.png(),
                            "the first " + shown + " of " + layer.channels() + " channels"));
                    pictures.add(new Picture(layer.name(), o.out().resolve(file),
                            List.of(layer.channels(), layer.height(), layer.width()), shown));
                }
            }
            Report.Builder b = Report.builder("ferry: inside " + net.config().architecture().id()).summary("Network", summary);
            charts.forEach(b::section);
            Path page = ReportWriter.write(b.build(), o.out());
            return new Result(ready.description(), page, pictures);
        }
    }
}
