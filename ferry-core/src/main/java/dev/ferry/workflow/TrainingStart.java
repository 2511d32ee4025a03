package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Augmentation;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Pretrained;
import dev.ferry.train.Strategy;
import dev.ferry.weights.ModelWeights;
import java.io.PrintStream;
import java.util.List;

/**
 * Where a training run, or a learning-rate sweep that must behave like one, starts: the pretrained
 * weights (or none, for scratch), the network with a head for the new classes, the preprocessing
 * and the training augmentation. One copy, so that {@code lr-find} sweeps the network and data
 * {@code train} would use.
 *
 * @param pretrained the weights, or null (scratch without weights)
 * @param network the network to build
 * @param preset the preprocessing (the weights' own, with any override)
 * @param augmentation the training augmentation for that preset
 */
record TrainingStart(Pretrained pretrained, ResNetConfig network, Preset preset, Augmentation augmentation) {

    /**
     * Resolves the weights and derives the rest.
     *
     * @param weights a weights reference, or null
     * @param arch the architecture expected (required for scratch without weights)
     * @param override preprocessing replacing the weights' own, or null
     */
    static TrainingStart of(String weights, Architecture arch, Strategy strategy, List<String> classes, float dropout,
            PresetOverride override, PrintStream log) {
        Pretrained pretrained = weights == null ? null : Pretrained.resolve(weights, arch, log);
        if (pretrained == null && strategy.usesPretrainedWeights()) {
            throw new InputException(Message.of(Setting.WEIGHTS, " is required for strategy ", strategy.id(),
                    " (only scratch trains without pretrained weights)"));
        }
        if (pretrained == null && arch == null) {
            throw new InputException(Message.of(Setting.ARCHITECTURE, " is required when training from scratch without ",
                    Setting.WEIGHTS));
        }
        ResNetConfig base = pretrained != null ? pretrained.config() : ResNetConfig.of(arch, classes.size());
        Preset weightsPreset = pretrained != null ? pretrained.preset() : Preset.imagenetV1();
        Preset preset = override != null && !override.isEmpty() ? override.apply(weightsPreset) : weightsPreset;
        return new TrainingStart(pretrained, base.withNumClasses(classes.size()).withDropout(dropout), preset,
                augmentationFor(preset));
    }

    /**
     * Loads the pretrained weights into {@code net} (a new head unless the classes are the
     * weights' own), saying on {@code log} what was loaded; nothing for scratch.
     */
    void loadInto(ResNet net, Strategy strategy, List<String> classes, boolean lenient, PrintStream log) {
        if (pretrained == null || !strategy.usesPretrainedWeights()) {
            return;
        }
        boolean sameHead = classes.equals(pretrained.classes());
        ModelWeights.LoadReport report = ModelWeights.load(net, pretrained.stateDict(), lenient, !sameHead, pretrained.file());
        log.println("ferry: weights " + pretrained.description() + ": " + String.join("; ", report.lines()));
    }

    /**
     * The training augmentation for a preset: random-resized crops would destroy small images (28-64
     * px), which get flips and shifts of about 7% of their side instead.
     */
    static Augmentation augmentationFor(Preset p) {
        return smallImages(p)
                ? Augmentation.padAndShift(Math.max(1, p.crop() / 14), true)
                : Augmentation.randomResizedCrop();
    }

    /** Whether a preset's images are small (28-64 px): decoded once and kept, augmented by shifts. */
    static boolean smallImages(Preset p) {
        return p.crop() <= 64;
    }
}
