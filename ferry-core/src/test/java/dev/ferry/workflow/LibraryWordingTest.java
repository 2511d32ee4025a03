package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.Setting;
import dev.ferry.data.Preset;
import dev.ferry.train.LrFinder;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainConfig;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Library errors name settings in the library's terms ({@link Setting#libraryName()}), never by a
 * command-line flag, and the same error renders in a front end's own names.
 */
class LibraryWordingTest {
    /** A front end's names for the settings. */
    private static final Function<Setting, String> NAMES = s -> "<" + s.name() + ">";

    @Test
    void libraryErrorsSpeakTheLibrarysTerms() {
        TrainConfig fineTune = TrainConfig.defaults(new Strategy.FineTune(0.1));
        check(assertThrows(InputException.class, () -> fineTune.withLr(0)),
                "lr must be a rate in (0, 100), got 0.0",
                "<LEARNING_RATE> must be a rate in (0, 100), got 0.0");
        check(assertThrows(InputException.class, () -> fineTune.withEpochs(0)),
                "epochs must be at least 1, got 0",
                "<EPOCHS> must be at least 1, got 0");
        check(assertThrows(InputException.class, () -> TrainConfig.defaults(new Strategy.TwoStage(3, 0.5, 0.1)).withEpochs(3)),
                "two-stage: headEpochs 3 leaves no epoch to fine-tune in epochs 3; epochs must be more than headEpochs",
                "two-stage: <HEAD_EPOCHS> 3 leaves no epoch to fine-tune in <EPOCHS> 3; <EPOCHS> must be more than <HEAD_EPOCHS>");
        check(assertThrows(InputException.class, () -> new LrFinder.Settings(1e-3, 1e-4, 100, 8)),
                "end must be a finite rate above start (0.001), got 1.0E-4",
                "<RANGE_END> must be a finite rate above <RANGE_START> (0.001), got 1.0E-4");
        check(assertThrows(InputException.class,
                        () -> new PresetOverride(null, null, new float[] {1, 2}, null).apply(Preset.imagenetV1())),
                "mean takes 1 or 3 values, got 2",
                "<MEAN> takes 1 or 3 values, got 2");
        check(assertThrows(InputException.class, () -> TrainingRun.builder().build()),
                "data is required",
                "<DATA> is required");
        check(assertThrows(InputException.class,
                        () -> TrainingRun.builder().data(java.nio.file.Path.of("images")).dropout(1).build()),
                "dropout must be in [0, 1), got 1.0",
                "<DROPOUT> must be in [0, 1), got 1.0");
    }

    private static void check(FerryException e, String library, String frontEnd) {
        assertEquals(library, e.getMessage());
        assertFalse(e.getMessage().contains("--"), e.getMessage());
        assertEquals(frontEnd, e.render(NAMES));
    }
}
