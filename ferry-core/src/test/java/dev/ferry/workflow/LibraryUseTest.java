package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.BadImage;
import dev.ferry.eval.ClassificationMetrics;
import dev.ferry.train.Predictor;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Strategy;
import dev.ferry.train.TinyTask;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.workflow.TrainingRun;
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
 * What a Java program with ferry-core alone on its class path does: train a model directory, evaluate
 * it on a folder and predict images and folders, through the library's calls (the command line is
 * not on this module's class path, as the first assertion shows).
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

        Evaluate.Result evaluated = Evaluate.run(new Evaluate.Options(out, task.data(), 8, 2, false, tmp.resolve("evaluation")));
        ClassificationMetrics m = evaluated.metrics();
        assertEquals(24, m.sampleCount());
        for (int t = 0; t < 3; t++) {
            assertEquals(TinyTask.PER_CLASS, m.confusionMatrix().rowTotal(t), "every image counted once, under its own class");
        }
        assertEquals(tmp.resolve("evaluation").resolve("report.html"), evaluated.report());
        assertTrue(Files.isRegularFile(evaluated.report()));

        List<Path> images = List.of(task.data().resolve("checker/img00.png"), task.data().resolve("vertical/img03.png"),
                tmp.resolve("missing.png"), task.data().resolve("horizontal"));
        List<Object> seen = new ArrayList<>();
        Predict.Result predicted = Predict.run(new Predict.Options(new Predict.Network(null, out, null), images, 2, 4, 2),
                new Predictor.Sink() {
                    @Override
                    public void predicted(Predictor.Prediction p) {
                        seen.add(p.image());
                    }

                    @Override
                    public void failed(BadImage bad) {
                        seen.add(bad.path());
                    }
                }, new PrintStream(log, true));
        assertEquals(2 + TinyTask.PER_CLASS, predicted.predictions().size(), "two files and a folder of eight");
        assertEquals(List.of(tmp.resolve("missing.png")), predicted.failed().stream().map(BadImage::path).toList());
        assertEquals(tmp.resolve("missing.png"), seen.get(0), "inputs that do not exist are reported before any network loads");
        assertEquals(images.get(0), seen.get(1), "then the images in the order given");
        for (Predictor.Prediction p : predicted.predictions()) {
            assertEquals(2, p.top().size());
            assertTrue(TinyTask.CLASSES.contains(p.top().get(0).label()), p.toString());
            float sum = p.top().get(0).probability() + p.top().get(1).probability();
            assertTrue(sum > 0 && sum <= 1.0001f, "top-2 of a softmax: " + sum);
            assertTrue(p.top().get(0).probability() >= p.top().get(1).probability());
        }
    }
}
