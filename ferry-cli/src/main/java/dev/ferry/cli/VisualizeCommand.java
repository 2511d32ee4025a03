package dev.ferry.cli;

import dev.ferry.workflow.Visualize;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry visualize}: the first convolution's filters and, given an image, the stem's and each
 * stage's feature maps, as PNG grids with a report.html ({@link Visualize}).
 */
@Command(
        name = "visualize",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Draw a network's first-layer filters and, given an image, its feature maps after the stem and each stage.",
            "Writes filters.png, feature_maps_LAYER.png and report.html into --out; every tile is min-max scaled on its own."
        })
public final class VisualizeCommand extends FerryCommand {
    @Option(names = "--weights", paramLabel = "FILE|NAME",
            description = "Pretrained weights: a .pth/.safetensors file, a ferry model folder, or a name such as resnet50.IMAGENET1K_V2.")
    String weights;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--image", paramLabel = "IMAGE", description = "An image whose feature maps to draw.")
    Path image;

    @Option(names = "--out", defaultValue = "ferry-visualize", paramLabel = "DIR",
            description = "Folder for the PNGs and report.html (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Override
    protected int run() {
        requireFolderPath(outDir, "--out");
        Visualize.Result r = Visualize.run(new Visualize.Options(weights, model, image, outDir), log());
        PrintWriter out = out();
        for (Visualize.Picture p : r.pictures()) {
            out.println(p.name() + "  " + p.shape() + "  " + p.shown() + " tiles  " + p.file());
        }
        out.println("report  " + r.report());
        return OK;
    }
}
