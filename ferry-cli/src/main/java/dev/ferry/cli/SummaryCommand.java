package dev.ferry.cli;

import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import dev.ferry.InputException;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.StageSummary;
import dev.ferry.model.Stem;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry summary}: the architecture as the paper's Table 1, with parameters and MACs. */
@Command(
        name = "summary",
        mixinStandardHelpOptions = true,
        description = "Print a ResNet's layout as the paper's Table 1: stages, output sizes, blocks, parameters, MACs.")
public final class SummaryCommand extends FerryCommand {

    @Option(names = "--arch", required = true, converter = Converters.ArchitectureConverter.class,
            description = "resnet18, resnet34, resnet50, resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, "
                    + "resnext101_64x4d, wide_resnet50_2 or wide_resnet101_2")
    Architecture arch;

    @Option(names = "--num-classes", defaultValue = "1000", description = "Classes of the fc head (default: ${DEFAULT-VALUE}).")
    int numClasses;

    @Option(names = "--width", defaultValue = "64", description = "Base width; every stage scales with it (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--stem", defaultValue = "imagenet", converter = Converters.StemConverter.class,
            description = "imagenet (7x7/2 conv + max-pool) or small (3x3/1 conv, for 28-32 px inputs).")
    Stem stem;

    @Option(names = "--input", defaultValue = "3x224x224", converter = Converters.InputShapeConverter.class,
            description = "Input shape CxHxW (default: ${DEFAULT-VALUE}).")
    Shape input;

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        ResNetConfig config = new ResNetConfig(arch, numClasses, width, stem, 0f, false);
        ResNet net = ResNet.create(config);
        Shape batch = new Shape(1, input.get(0), input.get(1), input.get(2));
        long minSide = Math.min(input.get(1), input.get(2));
        long reduction = stem == Stem.IMAGENET ? 32 : 8;
        if (minSide < reduction / 2) {
            throw new InputException("input " + input.get(1) + "x" + input.get(2) + " is too small for the "
                    + stem.id() + " stem (at least " + reduction / 2 + " pixels per side)");
        }
        List<StageSummary> rows = net.describe(input);
        long params = net.parameterCount();
        long trainable = net.trainableParameterCount();
        long macs = net.macs(batch);
        PrintWriter out = out();
        if (json.on()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("arch", arch.id());
            o.put("numClasses", numClasses);
            o.put("width", width);
            o.put("stem", stem.id());
            o.put("groups", config.groups());
            o.put("widthPerGroup", arch.widthPerGroup());
            o.put("input", List.of(input.get(0), input.get(1), input.get(2)));
            o.put("params", params);
            o.put("trainableParams", trainable);
            o.put("macs", macs);
            o.put("featureDim", config.featureDim());
            o.put("stages", rows);
            out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
        } else {
            out.print(renderTable(config, rows, params, trainable, macs));
        }
        return OK;
    }

    /** The text rendering: a Table 1-style grid plus totals. */
    static String renderTable(ResNetConfig c, List<StageSummary> rows, long params, long trainable, long macs) {
        StringBuilder sb = new StringBuilder();
        String grouping = c.architecture().grouped()
                ? String.format(Locale.ROOT, ", %d groups of %d", c.groups(), c.innerWidth(c.width()) / c.groups())
                : c.architecture().widthPerGroup() != 64 ? String.format(Locale.ROOT, ", inner width x%d", c.architecture().widthPerGroup() / 64) : "";
        sb.append(String.format(Locale.ROOT, "%s (%s blocks %s%s, width %d, %s stem, %d classes)%n",
                c.architecture().displayName(), c.architecture().blockType().name().toLowerCase(Locale.ROOT),
                java.util.Arrays.toString(c.architecture().stageBlocks()), grouping, c.width(), c.stem().id(), c.numClasses()));
        String fmt = "%-8s %-12s %-13s %-50s %12s %16s%n";
        sb.append(String.format(Locale.ROOT, fmt, "layer", "modules", "output", "blocks", "params", "MACs"));
        for (StageSummary r : rows) {
            String shape = String.join("x", r.outputShape().stream().map(String::valueOf).toList());
            sb.append(String.format(Locale.ROOT, fmt, r.name(), r.modules(), shape, r.blocks(),
                    String.format(Locale.ROOT, "%,d", r.params()), String.format(Locale.ROOT, "%,d", r.macs())));
        }
        sb.append(String.format(Locale.ROOT, "total params      %,d%n", params));
        sb.append(String.format(Locale.ROOT, "trainable params  %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "MACs              %,d (%s)%n", macs,
                macs >= 1e9 ? String.format(Locale.ROOT, "%.3fe9", macs / 1e9) : String.format(Locale.ROOT, "%.1fe6", macs / 1e6)));
        return sb.toString();
    }
}
