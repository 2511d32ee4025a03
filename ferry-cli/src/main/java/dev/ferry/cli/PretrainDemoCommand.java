package dev.ferry.cli;

import dev.ferry.InputException;
import dev.ferry.demo.DemoData;
import dev.ferry.demo.FashionMnist;
import dev.ferry.demo.Pretrain;
import dev.ferry.model.Architecture;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry pretrain-demo}: rebuilds the files the demo ships: the pretrained network (trained
 * here with ferry's own trainer) and the zip of target-task images.
 */
@Command(
        name = "pretrain-demo",
        mixinStandardHelpOptions = true,
        description = "Pretrain the demo's network on five Fashion-MNIST classes and export the target-task images.")
public final class PretrainDemoCommand extends FerryCommand {

    @Option(names = "--fashion-mnist", required = true, description = "Folder with Fashion-MNIST's IDX files (train-images-idx3-ubyte.gz, ...).")
    Path fashionMnist;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.1", description = "One-cycle peak rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--arch", defaultValue = "resnet50", converter = Converters.ArchitectureConverter.class,
            description = "Topology of the source network (default: ${DEFAULT-VALUE}, the demo's).")
    Architecture arch;

    @Option(names = "--width", defaultValue = "16", description = "Base width (default: ${DEFAULT-VALUE}, the demo's).")
    int width;

    @Option(names = "--per-class", defaultValue = "6000",
            description = "Training images per source class, at most 6000 (default: ${DEFAULT-VALUE}, all of them).")
    int perClass;

    @Option(names = "--out", defaultValue = "ferry-cli/src/main/resources/dev/ferry/demo/pretrained",
            description = "Model directory to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--target-zip", defaultValue = "ferry-cli/src/main/resources/dev/ferry/demo/fashion-target.zip",
            description = "Where to write the target-task images (default: ${DEFAULT-VALUE}).")
    Path targetZip;

    @Override
    protected int run() {
        if (width < 1 || width > 256) {
            throw new InputException("--width must be in [1, 256], got " + width);
        }
        if (perClass < 1 || perClass > 6000) {
            throw new InputException("--per-class must be in [1, 6000], got " + perClass);
        }
        FashionMnist train = FashionMnist.read(fashionMnist, "train");
        FashionMnist test = FashionMnist.read(fashionMnist, "t10k");
        DemoData.writeTargetZip(train, test, DemoData.SHIPPED_SHOTS, targetZip);
        err().println("ferry: wrote the target-task images to " + targetZip);
        String command = String.format(Locale.ROOT,
                "ferry pretrain-demo --fashion-mnist DIR --epochs %d --batch-size %d --lr %s --seed %d%s",
                epochs, batchSize, lr, seed, arch == Architecture.RESNET50 && width == 16 && perClass == 6000 ? ""
                        : String.format(Locale.ROOT, " --arch %s --width %d --per-class %d", arch.id(), width, perClass));
        ProgressBar progress = new ProgressBar(err(), null, interactive(), epochs);
        Pretrain.Result r = Pretrain.run(new Pretrain.Options(fashionMnist, epochs, batchSize, lr, seed, out, arch, width, perClass), progress, command);
        err().printf(Locale.ROOT, "ferry: source test accuracy %.4f on %d images, trained in %.0f s; model written to %s%n",
                r.testAccuracy(), 5000, r.seconds(), out);
        return OK;
    }
}
