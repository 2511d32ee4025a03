package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ferry.InputException;
import dev.ferry.train.LrFinder;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a training run decides before it trains, on the {@link TinyTask}: the learning rate from
 * the finder, the strategy from a trial of both candidates, and the cross-validated accuracy of
 * the recipe.
 */
class TrainingChoicesTest {
    @TempDir
    static Path tmp;
    static TinyTask task;
    /** Validation images of the task's classes, drawn apart from the training ones. */
    static Path val;

    static final PresetOverride PRESET = new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f});

    @BeforeAll
    static void fixtures() throws IOException {
        task = TinyTask.create(tmp);
        val = tmp.resolve("val");
        SplittableRandom r = new SplittableRandom(11);
        for (int c = 0; c < TinyTask.CLASSES.size(); c++) {
            Path dir = Files.createDirectories(val.resolve(TinyTask.CLASSES.get(c)));
            for (int i = 0; i < 4; i++) {
                ImageIO.write(TinyTask.pattern(c, r), "png", dir.resolve("v" + i + ".png").toFile());
            }
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true);
    }

    private static TrainingRun.Builder run(Path out) {
        return TrainingRun.builder().data(task.data()).weights(task.weights().toString()).preset(PRESET).out(out).threads(2);
    }

    private static JsonObject modelJson(Path out) throws IOException {
        return JsonParser.parseString(Files.readString(out.resolve(ModelDirectory.INFO), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void autoLearningRateIsTheFindersSuggestionAndLeavesTheNetworkAsItWas() throws IOException {
        TrainConfig cfg = TrainConfig.defaults(new Strategy.FineTune(0.1)).withEpochs(2).withBatchSize(8);
        // lr-find on the same images (with a separate validation folder the training split is all of data) and seed.
        LrFind.Result found = LrFind.run(new LrFind.Options(task.data(), task.weights().toString(), null, cfg,
                LrFinder.Settings.defaults(8), PRESET, 2, false, false), quiet());
        double suggested = LearningRate.DEFAULT_RULE.pick(found.sweep().rates(), found.sweep().losses()).getAsDouble();

        Path auto = tmp.resolve("auto-lr");
        TrainingRun.Outcome o = run(auto).validation(val).config(cfg).learningRate(LearningRate.auto()).build()
                .run(TrainListener.NONE, quiet());

        assertNotNull(o.choices().learningRate());
        assertEquals(suggested, o.choices().learningRate().rate(), 0.0, "the suggestion lr-find makes");
        assertEquals(suggested, ((Number) o.info().hyperParameters().get("lr")).doubleValue(), 0.0, "the run's peak rate");
        JsonObject info = modelJson(auto);
        JsonObject lrFinder = info.getAsJsonObject("extra").getAsJsonObject(TrainingRun.LR_FINDER);
        assertEquals(suggested, lrFinder.get("suggestedLr").getAsDouble(), 0.0);
        assertEquals(1e-7, lrFinder.get("start").getAsDouble(), 0.0);
        assertEquals(10, lrFinder.get("end").getAsDouble(), 0.0);
        assertEquals(100, lrFinder.get("steps").getAsInt());
        assertEquals(found.sweep().rates().length, lrFinder.get("stepsRun").getAsInt());
        assertEquals(LearningRate.DEFAULT_RULE.id(), lrFinder.get("rule").getAsString());
        assertEquals(LearningRate.DEFAULT_RULE.description(), lrFinder.get("ruleDescription").getAsString());
        assertEquals(suggested, info.getAsJsonObject("hyperParameters").get("lr").getAsDouble(), 0.0);
        String report = Files.readString(auto.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("suggested by the LR finder"), "the report says where the rate came from");

        // The same run at that rate given as a number: bit for bit the same weights, so the sweep
        // trained a network of its own and left the run's (its new head, its BatchNorm statistics)
        // and everything the training draws from as they were.
        Path fixed = tmp.resolve("fixed-lr");
        TrainingRun.Outcome f = run(fixed).validation(val).config(cfg).learningRate(new LearningRate.Fixed(suggested)).build()
                .run(TrainListener.NONE, quiet());
        assertNull(f.choices().learningRate());
        assertFalse(modelJson(fixed).getAsJsonObject("extra").has(TrainingRun.LR_FINDER));
        StateDict a = WeightsReader.read(auto.resolve(ModelDirectory.WEIGHTS));
        StateDict b = WeightsReader.read(fixed.resolve(ModelDirectory.WEIGHTS));
        assertEquals(a.keys(), b.keys());
        for (String key : a.keys()) {
            if (a.get(key).isFloating()) {
                assertArrayEquals(b.get(key).floats(), a.get(key).floats(), key);
            } else {
                assertArrayEquals(b.get(key).longs(), a.get(key).longs(), key);
            }
        }
        for (int e = 0; e < o.result().history().size(); e++) {
            assertEquals(f.result().history().get(e).trainLoss(), o.result().history().get(e).trainLoss(), 0.0, "epoch " + (e + 1));
            assertEquals(f.result().history().get(e).valAccuracy(), o.result().history().get(e).valAccuracy(), 0.0);
        }
    }

    @Test
    void aFlatSweepIsRefusedNamingTheRate() {
        double[] rates = {1e-4, 1e-3, 1e-2, 1e-1, 1};
        double[] rising = {1.0, 1.1, 1.3, 1.6, 2.0};
        LrFinder.Result sweep = new LrFinder.Result(rates, rising, rising, LrFinder.suggest(rates, rising), false);
        dev.ferry.FerryException e = assertThrows(dev.ferry.FerryException.class,
                () -> LearningRate.Suggestion.of(sweep, new LrFinder.Settings(1e-4, 1, 5, 8), 24, 0.01, LrFinder.Rule.STEEPEST));
        assertEquals("the learning-rate finder found no rate where the loss falls (5 rates from 1.0e-04 to 1.0e+00); "
                + "give lr as a number instead, e.g. 0.01", e.getMessage());
        // Every rule refuses a curve that only rises.
        for (LrFinder.Rule r : LrFinder.Rule.values()) {
            assertTrue(r.pick(rates, rising).isEmpty(), r.id());
        }
        // A falling stretch gives its steepest point.
        double[] falling = {2.0, 1.9, 1.2, 1.1, 3.0};
        LearningRate.Suggestion s = LearningRate.Suggestion.of(new LrFinder.Result(rates, falling, falling, 0, false),
                new LrFinder.Settings(1e-4, 1, 5, 8), 24, 0.01, LrFinder.Rule.STEEPEST);
        assertEquals(LrFinder.suggest(rates, falling), s.rate(), 0.0);
        assertEquals(s, LearningRate.Suggestion.fromJson(new com.google.gson.Gson().fromJson(
                new com.google.gson.Gson().toJson(s.toJson()), java.util.Map.class)));
        // The other rules on the same curve: the minimum (1.1 at 1e-1) over ten; the longest falling run
        // 2.0 > 1.9 > 1.2 > 1.1 ends at point 3, starts (fastai's arithmetic) at 3 - 4 = -1, and half-way
        // in is -1 + floor(4/3) + floor(4/6) = 0.
        LearningRate.Suggestion m = LearningRate.Suggestion.of(new LrFinder.Result(rates, falling, falling, 0, false),
                new LrFinder.Settings(1e-4, 1, 5, 8), 24, 0.01, LrFinder.Rule.MINIMUM);
        assertEquals(1e-2, m.rate(), 1e-18);
        assertEquals(m, LearningRate.Suggestion.fromJson(new com.google.gson.Gson().fromJson(
                new com.google.gson.Gson().toJson(m.toJson()), java.util.Map.class)));
        assertEquals(1e-4, LrFinder.Rule.VALLEY.pick(rates, falling).getAsDouble(), 0.0);
        // Within a factor 10 of the strategy's default: no warning; beyond it, one naming both rates.
        assertNull(m.farFrom(0.01));
        assertNull(m.farFrom(0.1));
        LearningRate.Suggestion low = new LearningRate.Suggestion(2e-4, 1e-7, 10, 100, 100, 20, 80, LrFinder.Rule.MINIMUM);
        assertEquals("the finder's rate 2.00e-04 is 100x below the strategy's default 0.02, which was chosen across many tasks; "
                + "compare with a run at the default", low.farFrom(0.02));
        assertTrue(new LearningRate.Suggestion(0.5, 1e-7, 10, 100, 100, 20, 80, LrFinder.Rule.MINIMUM).farFrom(0.02)
                .startsWith("the finder's rate 5.00e-01 is 25x above"));
    }

    @Test
    void autoStrategyKeepsTheCandidateWithTheHigherValidationAccuracy() throws IOException {
        TrainConfig fe = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(4).withBatchSize(8);
        TrainConfig ft = TrainConfig.defaults(new Strategy.FineTune(0.1)).withEpochs(5).withBatchSize(8);
        assertEquals(5, new AutoStrategy(fe, ft).trialEpochs(), "by default the whole recipe");
        assertEquals(3, new AutoStrategy(fe, ft, 0.5).trialEpochs(), "half of 5 is 2, raised to at least 3");
        assertEquals(10, new AutoStrategy(fe, ft.withEpochs(30), 1 / 3.0).trialEpochs(), "a third of 30, rounded down");
        assertEquals(7, new AutoStrategy(fe, ft.withEpochs(30), 0.25).trialEpochs(), "7.5 rounded down");
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
            InputException e = assertThrows(InputException.class, () -> new AutoStrategy(fe, ft, bad));
            assertEquals("trialFraction must be in (0, 1] (1: the whole fine-tuning recipe), got " + bad, e.getMessage());
        }
        assertEquals("fine-tune kept: validation accuracy 0.5000 for feature-extract (30 epochs, its whole recipe) against "
                + "0.7500 for fine-tune (30 epochs, its whole recipe); " + AutoStrategy.RULE
                + "; the kept one then trained with its full recipe", AutoStrategy.Choice.decide(0.5, 30, 0.75, 30, 30).line());
        assertEquals("feature-extract kept: validation accuracy 0.7500 for feature-extract (30 epochs, its whole recipe) against "
                + "0.7500 for fine-tune (a trial of 10 of its 30 epochs); " + AutoStrategy.RULE
                + "; the kept one then trained with its full recipe", AutoStrategy.Choice.decide(0.75, 30, 0.75, 10, 30).line());
        AutoStrategy candidates = new AutoStrategy(fe, ft, 0.5);
        Path out = tmp.resolve("auto-strategy");
        TrainingRun.Outcome o = run(out).validationSplit(0.25).autoStrategy(candidates).build().run(TrainListener.NONE, quiet());

        JsonObject info = modelJson(out);
        JsonObject sel = info.getAsJsonObject("extra").getAsJsonObject(TrainingRun.STRATEGY_CHOICE);
        double feAcc = sel.getAsJsonObject("featureExtract").get("validationAccuracy").getAsDouble();
        double ftAcc = sel.getAsJsonObject("fineTune").get("validationAccuracy").getAsDouble();
        assertTrue(feAcc >= 0 && feAcc <= 1 && ftAcc >= 0 && ftAcc <= 1, sel.toString());
        assertEquals(4, sel.getAsJsonObject("featureExtract").get("epochs").getAsInt());
        assertEquals(3, sel.getAsJsonObject("fineTune").get("epochs").getAsInt());
        assertEquals(AutoStrategy.RULE, sel.get("rule").getAsString());
        String chosen = ftAcc > feAcc ? "fine-tune" : "feature-extract";
        assertEquals(chosen, sel.get("chosen").getAsString());
        assertEquals(chosen, info.get("strategy").getAsString(), "the kept strategy is the model's");
        assertEquals(chosen.equals("fine-tune") ? 5 : 4, info.getAsJsonArray("epochs").size(), "trained with its full recipe");
        assertEquals(chosen, o.choices().strategy().chosen());
        if (chosen.equals("feature-extract")) {
            // Its trial was its whole recipe, on the same split and seed: the run repeats it.
            assertEquals(feAcc, o.result().bestValAccuracy(), 0.0);
        }
        String report = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("strategy choice") && report.contains(chosen + " kept"), "the report says why");
    }

    @Test
    void autoStrategyWithoutValidationImagesIsRefused() {
        TrainConfig fe = TrainConfig.defaults(new Strategy.FeatureExtract(1, true));
        TrainConfig ft = TrainConfig.defaults(new Strategy.FineTune(0.1));
        InputException e = assertThrows(InputException.class,
                () -> run(tmp.resolve("never")).validationSplit(0).autoStrategy(new AutoStrategy(fe, ft)).build());
        assertEquals("strategy auto compares the candidates' validation accuracy and needs validation images: give validation "
                + "or a validationSplit in (0, 1), not 0.0", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("never")));
    }

    @Test
    void foldsCrossValidateTheRecipeBeforeTheRun() throws IOException {
        TrainConfig cfg = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(3).withBatchSize(8);
        Path out = tmp.resolve("folds");
        TrainingRun.Outcome o = run(out).validationSplit(0.25).config(cfg).folds(3).build().run(TrainListener.NONE, quiet());

        JsonObject cv = modelJson(out).getAsJsonObject("extra").getAsJsonObject(TrainingRun.CROSS_VALIDATION);
        assertEquals(3, cv.get("folds").getAsInt());
        List<Double> acc = new ArrayList<>();
        cv.getAsJsonArray("accuracies").forEach(a -> acc.add(a.getAsDouble()));
        assertEquals(3, acc.size());
        // 8 images per class dealt to 3 folds: 3, 3 and 2 of each class held out, so 9, 9 and 6 images.
        int[] held = {9, 9, 6};
        for (int f = 0; f < 3; f++) {
            double correct = acc.get(f) * held[f];
            assertEquals(Math.rint(correct), correct, 1e-9, "fold " + (f + 1) + "'s accuracy is a count of its " + held[f] + " images");
        }
        CrossValidation.Summary want = CrossValidation.summarize(acc);
        assertEquals(want.mean(), cv.get("mean").getAsDouble(), 1e-12);
        assertEquals(want.sd(), cv.get("sd").getAsDouble(), 1e-12);
        assertEquals(want.halfWidth(), cv.get("halfWidth95").getAsDouble(), 1e-12);
        assertEquals(want.low(), cv.getAsJsonArray("interval95").get(0).getAsDouble(), 1e-12);
        assertEquals(want.high(), cv.getAsJsonArray("interval95").get(1).getAsDouble(), 1e-12);
        assertEquals(want, o.choices().crossValidation());
        // Then the model trained as usual, on the 0.25 split.
        assertEquals(3, o.result().history().size());
        assertEquals(6, o.validation().sampleCount());
        String report = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(report.contains("Cross-validation of the recipe (3 stratified folds)"), "the report shows the estimate");
    }

    @Test
    void foldsOutOfRangeAreRefused() {
        InputException one = assertThrows(InputException.class, () -> run(tmp.resolve("k1")).folds(1).build());
        assertEquals("folds must be at least 2 (or 0: no cross-validation), got 1", one.getMessage());
        Path out = tmp.resolve("k9");
        InputException nine = assertThrows(InputException.class, () -> run(out).folds(9).build().run(TrainListener.NONE, quiet()));
        assertTrue(nine.getMessage().startsWith("folds 9 is more than the 8 images of class folder " + task.data().resolve("checker")),
                nine.getMessage());
        assertFalse(Files.exists(out), "refused before anything is written");
        assertTrue(Arrays.stream(new String[] {nine.getMessage()}).noneMatch(m -> m.contains("\n")));
    }
}
