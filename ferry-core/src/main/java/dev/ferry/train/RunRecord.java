package dev.ferry.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Preset;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What defines a training run, as its checkpoint records it: the network, the classes and how
 * many images each side has, the preprocessing and every hyper-parameter. A resumed run
 * ({@link Setting#RESUME}) continues exactly this run: a resumed run whose settings differ from the record is refused with
 * the {@linkplain #differences differences}, as mixing two recipes in one model would describe
 * neither.
 *
 * @param weights the pretrained weights as given ({@link Setting#WEIGHTS}), or null
 * @param arch architecture id
 * @param width base width
 * @param stem stem id
 * @param classes class names in output order
 * @param trainImages training images (after any skipped ones)
 * @param validationImages validation images
 * @param data the training folder as given
 * @param validation the validation folder as given, or null when split from {@code data}
 * @param validationSplit the held-out fraction when {@code validation} is null
 * @param preset the preprocessing
 * @param dropout dropout before the head
 * @param config the hyper-parameters; its {@code epochs} is the total of {@code segments}
 * @param segments epochs per segment: one for a run as first planned, one more per extension
 *     ({@link Phase#plan})
 * @param precomputed whether the head trained on backbone features computed before the run
 *     ({@link Setting#FEATURES}); {@code data} then names where they came from, not an image folder
 */
public record RunRecord(
        String weights, String arch, int width, String stem, List<String> classes, int trainImages,
        int validationImages, String data, String validation, double validationSplit, Preset preset,
        float dropout, TrainConfig config, List<Integer> segments, boolean precomputed) {

    private static final Gson GSON = new GsonBuilder()
            .registerTypeHierarchyAdapter(Strategy.class, new StrategyAdapter())
            .serializeSpecialFloatingPointValues()
            .create();

    public RunRecord {
        classes = List.copyOf(classes);
        segments = List.copyOf(segments);
    }

    /** The record as one JSON string (a checkpoint's metadata value). */
    public String toJson() {
        return GSON.toJson(this);
    }

    /**
     * Reads a record back.
     *
     * @param source named in the error when the text is not a record
     */
    public static RunRecord fromJson(String json, Object source) {
        try {
            RunRecord r = GSON.fromJson(json, RunRecord.class);
            if (r == null || r.config() == null || r.classes() == null || r.preset() == null || r.segments() == null
                    || r.segments().isEmpty()) {
                throw new InputException("incomplete run description in " + source);
            }
            return r;
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException e) {
            // Gson's own errors, or a value a record constructor rejects
            throw new InputException("corrupt run description in " + source + " (" + e.getMessage() + ")", e);
        }
    }

    /** This record with the image counts of a validated split. */
    public RunRecord withImageCounts(int train, int validation) {
        return new RunRecord(weights, arch, width, stem, classes, train, validation, data, this.validation,
                validationSplit, preset, dropout, config, segments, precomputed);
    }

    /** This record with another configuration (one chosen before training starts), as one segment. */
    public RunRecord withConfig(TrainConfig c) {
        return new RunRecord(weights, arch, width, stem, classes, trainImages, validationImages, data, validation,
                validationSplit, preset, dropout, c, List.of(c.epochs()), precomputed);
    }

    /** This record continued to {@code epochs} in all: the extra epochs become a new segment. */
    public RunRecord extendedTo(int epochs) {
        List<Integer> s = new ArrayList<>(segments);
        s.add(epochs - config.epochs());
        return new RunRecord(weights, arch, width, stem, classes, trainImages, validationImages, data, validation,
                validationSplit, preset, dropout, config.withEpochs(epochs), s, precomputed);
    }

    /** Epoch numbers (1-based) at which an extension's warm restart begins; empty for a plain run. */
    public List<Integer> restarts() {
        List<Integer> starts = new ArrayList<>();
        int e = 0;
        for (int i = 0; i < segments.size() - 1; i++) {
            e += segments.get(i);
            starts.add(e + 1);
        }
        return starts;
    }

    /**
     * What {@code requested} changes about this run, one message per setting that differs
     * ({@code "lr: 0.01 recorded, 0.003 now"} in the library's terms; what the user sets is a
     * {@link Setting} reference, so a front end names it as its users do). The total epochs and the
     * data folders' paths are not compared: the first is how a run is extended, the second may move
     * with the same images.
     */
    public List<Message> differences(RunRecord requested) {
        List<Message> d = new ArrayList<>();
        TrainConfig a = config;
        TrainConfig b = requested.config;
        if (requested.weights != null && !Objects.equals(weights, requested.weights)) {
            d.add(diff(Setting.WEIGHTS, weights, requested.weights));
        }
        compare(d, Setting.ARCHITECTURE, arch, requested.arch);
        compare(d, "width", width, requested.width);
        compare(d, "stem", stem, requested.stem);
        if (!classes.equals(requested.classes)) {
            d.add(diff("classes", String.join(", ", classes), String.join(", ", requested.classes)));
        }
        compare(d, "training images", trainImages, requested.trainImages);
        compare(d, "validation images", validationImages, requested.validationImages);
        compare(d, Setting.STRATEGY, a.strategy().summary(), b.strategy().summary());
        compare(d, Setting.BATCH_SIZE, a.batchSize(), b.batchSize());
        compare(d, Setting.LEARNING_RATE, a.lr(), b.lr());
        compare(d, Setting.OPTIMIZER, a.optimizer().name().toLowerCase(Locale.ROOT), b.optimizer().name().toLowerCase(Locale.ROOT));
        compare(d, Setting.SCHEDULE, a.schedule().name().toLowerCase(Locale.ROOT), b.schedule().name().toLowerCase(Locale.ROOT));
        compare(d, Setting.WARMUP_EPOCHS, a.warmupEpochs(), b.warmupEpochs());
        compare(d, Setting.WEIGHT_DECAY, a.weightDecay(), b.weightDecay());
        compare(d, Setting.LABEL_SMOOTHING, a.labelSmoothing(), b.labelSmoothing());
        compare(d, Setting.MIXUP, a.mixupAlpha(), b.mixupAlpha());
        compare(d, Setting.CUTMIX, a.cutmixAlpha(), b.cutmixAlpha());
        compare(d, Setting.EMA_HORIZON, a.emaHorizon(), b.emaHorizon());
        compare(d, Setting.BALANCE, a.balance().name().toLowerCase(Locale.ROOT), b.balance().name().toLowerCase(Locale.ROOT));
        compare(d, Setting.EARLY_STOP, a.earlyStopPatience(), b.earlyStopPatience());
        compare(d, Setting.SEED, a.seed(), b.seed());
        compare(d, Setting.DROPOUT, dropout, requested.dropout);
        compare(d, Setting.RESIZE, preset.resize(), requested.preset.resize());
        compare(d, Setting.CROP, preset.crop(), requested.preset.crop());
        compare(d, Setting.MEAN, Arrays.toString(preset.mean()), Arrays.toString(requested.preset.mean()));
        compare(d, Setting.STD, Arrays.toString(preset.std()), Arrays.toString(requested.preset.std()));
        compare(d, "interpolation", preset.interpolation(), requested.preset.interpolation());
        compare(d, Setting.EXIF_TRANSPOSE, preset.exifTranspose(), requested.preset.exifTranspose());
        return d;
    }

    /** @param name a {@link Setting}, or the text naming what the user does not set directly */
    private static void compare(List<Message> out, Object name, Object recorded, Object now) {
        if (!Objects.equals(recorded, now)) {
            out.add(diff(name, recorded, now));
        }
    }

    private static Message diff(Object name, Object recorded, Object now) {
        return Message.of(name, ": ", recorded, " recorded, ", now, " now");
    }

    /** A {@link Strategy} as its {@link Strategy#description()} map. */
    private static final class StrategyAdapter extends TypeAdapter<Strategy> {
        private static final Type MAP = new TypeToken<Map<String, Object>>() {}.getType();
        private static final Gson PLAIN = new Gson();

        @Override
        public void write(JsonWriter out, Strategy value) throws IOException {
            PLAIN.toJson(value.description(), MAP, out);
        }

        @Override
        public Strategy read(JsonReader in) throws IOException {
            Map<String, Object> m = PLAIN.fromJson(in, MAP);
            if (m == null) {
                throw new JsonParseException("no strategy");
            }
            return Strategy.fromDescription(m);
        }
    }
}
