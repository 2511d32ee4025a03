package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.data.BadImage;
import dev.ferry.data.BadImagesException;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Sample;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.platform.Engines;
import dev.ferry.train.FolderSource;
import dev.ferry.train.LrFinder;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The learning-rate sweep (Smith's range test, fastai's {@code lr_find}) on the network, data
 * preparation, strategy and optimizer a training run with the same options would use, as a library
 * call.
 */
public final class LrFind {
    private LrFind() {}

    /**
     * What to sweep.
     *
     * @param data training images, one sub-folder per class
     * @param weights pretrained weights, or null (scratch)
     * @param arch the architecture expected (required for scratch without weights)
     * @param config the training configuration whose strategy, optimizer and seed the sweep uses
     * @param settings the rates swept
     * @param preset preprocessing replacing the weights' own, or null
     * @param threads decoding threads
     * @param skipBad leave out unreadable images instead of stopping
     * @param lenient load weights even when keys are missing or mis-shaped
     */
    public record Options(Path data, String weights, Architecture arch, TrainConfig config, LrFinder.Settings settings,
            PresetOverride preset, int threads, boolean skipBad, boolean lenient) {
        public Options {
            if (data == null || config == null || settings == null) {
                throw new InputException("an image folder, a training configuration and sweep settings are required");
            }
            if (threads < 1) {
                throw new InputException("the thread count must be at least 1, got " + threads);
            }
        }
    }

    /**
     * The sweep.
     *
     * @param sweep rates, losses and the suggestion
     * @param images the images swept over
     * @param classes the class count
     * @param skipped the images left out (with {@code skipBad})
     */
    public record Result(LrFinder.Result sweep, int images, int classes, List<BadImage> skipped) {}

    /**
     * Sweeps, saying on {@code log} what it runs on and which weights it loaded.
     *
     * @throws BadImagesException listing every bad image when there are some and {@code skipBad} is off
     */
    public static Result run(Options o, PrintStream log) {
        ImageFolder folder = ImageFolder.scan(o.data());
        if (folder.classes().size() < 2) {
            throw new InputException("need at least 2 classes, found " + folder.classes().size() + " ("
                    + String.join(", ", folder.classes()) + ") in " + o.data());
        }
        ImageValidator.Checked checked = ImageValidator.check(folder.samples(), o.threads(), o.skipBad(), done -> { });
        List<BadImage> bad = checked.bad();
        List<Sample> samples = checked.usable();
        if (samples.size() < 2) {
            throw new InputException("fewer than 2 usable images left in " + o.data() + " after skipping " + bad.size() + " bad ones");
        }
        List<String> classes = folder.classes();
        TrainConfig cfg = o.config();
        TrainingStart start = TrainingStart.of(o.weights(), o.arch(), cfg.strategy(), classes, 0f, o.preset(), log);
        LrFinder.Settings s = o.settings();
        log.println(String.format(Locale.ROOT, "ferry: lr-find on %d images of %d classes, %s, rates %.1e to %.1e in %d steps",
                samples.size(), classes.size(), cfg.strategy().id(), s.start(), s.end(), s.steps()));
        log.flush();
        LrFinder.Result sweep = sweep(samples, classes, start, cfg, s, o.threads(), o.lenient(), log);
        return new Result(sweep, samples.size(), classes.size(), List.copyOf(bad));
    }

    /**
     * The sweep itself, on a network of its own (built, seeded and loaded as a training run builds
     * its own, then discarded): a training run that asks for the finder's rate sweeps here, and its
     * own network is untouched.
     */
    static LrFinder.Result sweep(List<Sample> samples, List<String> classes, TrainingStart start, TrainConfig cfg,
            LrFinder.Settings s, int threads, boolean lenient, PrintStream log) {
        try (NDManager manager = Engines.newManager();
                FolderSource source = new FolderSource(samples, start.preset(), start.augmentation(), threads,
                        TrainingStart.smallImages(start.preset()))) {
            Engines.seed(cfg.seed());
            ResNet net = ResNet.create(start.network()).initialize(manager);
            start.loadInto(net, cfg.strategy(), classes, lenient, log);
            return new LrFinder(cfg, s, null).run(net, source, manager);
        }
    }
}
