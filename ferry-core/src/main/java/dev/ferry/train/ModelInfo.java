package dev.ferry.train;

import dev.ferry.eval.Calibration;
import dev.ferry.eval.EpochRecord;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import java.util.List;
import java.util.Map;

/**
 * The {@code model.json} of a model directory: everything needed to use the weights later and to
 * know how they were made.
 *
 * @param format {@value #FORMAT}
 * @param ferryVersion version of ferry that wrote it
 * @param created ISO-8601 time of writing
 * @param arch architecture id ({@code resnet50})
 * @param width base width
 * @param stem {@code imagenet} or {@code small}
 * @param dropout dropout before fc
 * @param classes class names in output order
 * @param preset the preprocessing the model was trained with (and must be fed with)
 * @param strategy strategy id
 * @param hyperParameters the training configuration
 * @param epochs per-epoch metrics
 * @param bestEpoch the epoch whose weights these are
 * @param bestValAccuracy their validation accuracy (null without validation data)
 * @param data a summary of the training data (folders, counts, skipped files)
 * @param extra anything else (the demo stores its source-task accuracy here)
 * @param calibration the temperature fitted on the validation split, which prediction and
 *     evaluation divide the logits by (null without validation data, and in directories written
 *     before ferry calibrated: then the temperature is 1)
 */
public record ModelInfo(
        String format,
        String ferryVersion,
        String created,
        String arch,
        int width,
        String stem,
        float dropout,
        List<String> classes,
        Preset preset,
        String strategy,
        Map<String, Object> hyperParameters,
        List<EpochRecord> epochs,
        int bestEpoch,
        Double bestValAccuracy,
        Map<String, Object> data,
        Map<String, Object> extra,
        Calibration calibration) {

    /** The format tag written into every model.json. */
    public static final String FORMAT = "ferry-model/1";

    /** The temperature to divide the logits by: the fitted one, or 1 when there is none. */
    public double temperature() {
        return calibration == null ? 1.0 : calibration.temperature();
    }

    /** This description with {@code c} as its calibration. */
    public ModelInfo withCalibration(Calibration c) {
        return new ModelInfo(format, ferryVersion, created, arch, width, stem, dropout, classes, preset, strategy,
                hyperParameters, epochs, bestEpoch, bestValAccuracy, data, extra, c);
    }

    /** The network structure this model needs. */
    public ResNetConfig config() {
        return new ResNetConfig(Architecture.parse(arch), classes.size(), width, Stem.parse(stem), dropout, false);
    }
}
