package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.BadImage;
import dev.ferry.eval.Calibration;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Predictor;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training fits a temperature on the validation split and stores it; prediction and evaluation
 * divide the logits by the stored temperature, whatever it is.
 */
class CalibratedPredictionTest {

    @Test
    void theStoredTemperatureScalesPredictionAndEvaluation(@TempDir Path tmp) throws IOException {
        TinyTask task = TinyTask.create(tmp);
        Path model = tmp.resolve("model");
        TrainConfig config = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(3).withBatchSize(8);
        TrainingRun.builder().data(task.data()).validationSplit(0.25).weights(task.weights().toString()).config(config)
                .preset(new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f})).out(model).threads(2)
                .build().run(TrainListener.NONE, new PrintStream(new ByteArrayOutputStream(), true));

        ModelInfo info = ModelDirectory.readInfo(model);
        Calibration fitted = info.calibration();
        assertNotNull(fitted, "a run with a validation split is calibrated");
        assertEquals(6, fitted.samples(), "2 of 8 validation images per class, 3 classes");
        assertTrue(fitted.nllAfter() <= fitted.nllBefore() + 1e-12, fitted.toString());
        String report = Files.readString(model.resolve("report.html"));
        assertTrue(report.contains("Calibration (temperature scaling)"), "the report shows the calibration");
        assertTrue(report.contains("reliability.png"), "and its reliability diagram");

        // The same weights without a calibration (temperature 1) and with a temperature of 2.5.
        Path plain = copy(model, tmp.resolve("plain"));
        ModelDirectory.saveInfo(plain, info.withCalibration(null));
        Path warm = copy(model, tmp.resolve("warm"));
        ModelDirectory.saveInfo(warm, info.withCalibration(new Calibration(2.5, 6, 1, 1, 0, 0)));
        assertNull(ModelDirectory.readInfo(plain).calibration());
        assertEquals(1.0, ModelDirectory.readInfo(plain).temperature());

        List<float[]> p1 = predict(plain, task);
        List<float[]> p25 = predict(warm, task);
        assertEquals(3 * TinyTask.PER_CLASS, p1.size());
        for (int i = 0; i < p1.size(); i++) {
            float[] want = Calibration.scale(p1.get(i), 2.5);
            for (int c = 0; c < 3; c++) {
                assertEquals(want[c], p25.get(i)[c], 1e-5, "image " + i + " class " + c);
            }
        }

        // Evaluation: the same accuracy (a temperature moves no arg max), the loss of the scaled
        // probabilities.
        Evaluate.Result e1 = Evaluate.run(new Evaluate.Options(plain, task.data(), 8, 2, false, null));
        Evaluate.Result e25 = Evaluate.run(new Evaluate.Options(warm, task.data(), 8, 2, false, null));
        assertEquals(e1.metrics().accuracy(), e25.metrics().accuracy());
        assertTrue(Math.abs(e1.metrics().loss() - e25.metrics().loss()) > 1e-4, "the loss follows the temperature");
    }

    /** Every class's probability for each image of the task, in the folder's order. */
    private static List<float[]> predict(Path model, TinyTask task) {
        List<float[]> out = new ArrayList<>();
        Predict.run(new Predict.Options(new Predict.Network(null, model, null), List.of(task.data()), 3, 8, 2),
                new Predictor.Sink() {
                    @Override
                    public void predicted(Predictor.Prediction p) {
                        float[] row = new float[3];
                        p.top().forEach(t -> row[t.index()] = t.probability());
                        out.add(row);
                    }

                    @Override
                    public void failed(BadImage bad) {
                        throw new AssertionError(bad.toString());
                    }
                }, new PrintStream(new ByteArrayOutputStream(), true));
        return out;
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String name : List.of(ModelDirectory.WEIGHTS, ModelDirectory.INFO)) {
            Files.copy(from.resolve(name), to.resolve(name));
        }
        return to;
    }
}
