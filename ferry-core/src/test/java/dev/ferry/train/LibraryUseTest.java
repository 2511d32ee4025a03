package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.ferry.data.Augmentation;
import dev.ferry.data.DatasetSplit;
import dev.ferry.data.Sample;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.platform.Engines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Java program with ferry-core alone on its class path does: train a model directory,
 * load it, evaluate it on a folder and predict single images, through the library's calls (the
 * command line is not on this module's class path, as the first assertion shows).
 */
class LibraryUseTest {

    @Test
    void trainEvaluateAndPredictWithTheLibraryAlone(@TempDir Path tmp) throws IOException {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("picocli.CommandLine"),
                "ferry-core must not need the command line's parser");
        TinyTask task = TinyTask.create(tmp);
        Path out = tmp.resolve("model");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        TrainConfig config = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(3).withBatchSize(8);
        TrainingRun.Outcome trained = TrainingRun.builder()
                .data(task.data()).validationSplit(0.25).weights(task.weights().toString()).config(config)
                .preset(new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f})).out(out).threads(2)
                .build().run(TrainListener.NONE, new PrintStream(log, true));

        assertEquals(3, trained.result().history().size());
        assertEquals(TinyTask.CLASSES, trained.info().classes());
        assertEquals(6, trained.validation().sampleCount(), "2 of 8 per class held out, 3 classes");

        try (NDManager manager = Engines.newManager()) {
            ModelDirectory.Loaded model = ModelDirectory.load(out, manager);
            DatasetSplit all = DatasetSplit.fromFolders(task.data(), task.data());
            try (FolderSource source = new FolderSource(all.validation(), model.info().preset(), Augmentation.none(), 2, false)) {
                Evaluation ev = Inference.evaluate(model.net(), source, 8, manager);
                ClassificationMetrics m = ClassificationMetrics.compute(ev.labels(), ev.probabilities(),
                        model.info().classes(), ev.loss());
                assertEquals(24, m.sampleCount());
                for (int t = 0; t < 3; t++) {
                    assertEquals(TinyTask.PER_CLASS, m.confusionMatrix().rowTotal(t), "every image counted once, under its own class");
                }
            }

            List<Path> images = new ArrayList<>();
            for (Sample s : all.validation()) {
                images.add(s.path());
            }
            List<Predictor.Prediction> predictions = new ArrayList<>();
            try (Predictor predictor = new Predictor(model.net(), model.info().classes(), model.info().preset(), 8, 2)) {
                predictor.predict(images.subList(0, 5), 2, manager, new Predictor.Sink() {
                    @Override
                    public void predicted(Predictor.Prediction prediction) {
                        predictions.add(prediction);
                    }

                    @Override
                    public void failed(dev.ferry.data.BadImage bad) {
                        throw new AssertionError("every image is readable: " + bad);
                    }
                });
            }
            assertEquals(5, predictions.size());
            for (Predictor.Prediction p : predictions) {
                assertEquals(2, p.top().size());
                assertTrue(TinyTask.CLASSES.contains(p.top().get(0).label()), p.toString());
                float sum = p.top().get(0).probability() + p.top().get(1).probability();
                assertTrue(sum > 0 && sum <= 1.0001f, "top-2 of a softmax: " + sum);
                assertTrue(p.top().get(0).probability() >= p.top().get(1).probability());
            }
            assertEquals(images.subList(0, 5), predictions.stream().map(Predictor.Prediction::image).toList(),
                    "in the order given");
        }
    }
}
