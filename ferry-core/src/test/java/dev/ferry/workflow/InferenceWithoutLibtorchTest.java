package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.BadImage;
import dev.ferry.platform.ChildJvm;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prediction and evaluation never start libtorch: a fresh JVM evaluates a trained model directory
 * and predicts with it and with a pretrained weights file, then reads its own memory map for
 * libtorch's library. Its numbers must equal the ones this JVM (which has libtorch loaded)
 * computes through the same calls, so the libtorch-free path is the same path, not a lesser one.
 */
class InferenceWithoutLibtorchTest {

    /** The child: evaluate, predict twice, print the results and whether libtorch is mapped. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path model = Path.of(args[0]);
            Path data = Path.of(args[1]);
            Path weights = Path.of(args[2]);
            System.out.println(summary(model, data, weights));
            boolean mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.contains("libtorch"));
            System.out.println("libtorch mapped: " + mapped);
            System.exit(mapped ? 3 : 0);
        }
    }

    /** Accuracy, loss and every top-2 prediction, as one comparable text. */
    static String summary(Path model, Path data, Path weights) {
        Evaluate.Result ev = Evaluate.run(new Evaluate.Options(model, data, 8, 2, false, null));
        StringBuilder out = new StringBuilder();
        out.append(String.format(java.util.Locale.ROOT, "accuracy %.6f loss %.5f%n", ev.metrics().accuracy(),
                ev.metrics().loss()));
        for (Predict.Network n : List.of(new Predict.Network(null, model, null),
                new Predict.Network(weights.toString(), null, null))) {
            List<String> lines = new ArrayList<>();
            Predict.run(new Predict.Options(n, List.of(data), 2, 5, 2), new Predictor.Sink() {
                @Override
                public void predicted(Predictor.Prediction p) {
                    lines.add(data.relativize(p.image()) + " " + p.top().get(0).index() + " "
                            + String.format(java.util.Locale.ROOT, "%.5f", p.top().get(0).probability()) + " "
                            + p.top().get(1).index());
                }

                @Override
                public void failed(BadImage bad) {
                    lines.add("failed " + bad);
                }
            }, new PrintStream(new ByteArrayOutputStream(), true));
            out.append(String.join("\n", lines)).append('\n');
        }
        return out.toString();
    }

    @Test
    void predictAndEvaluateRunWithoutLibtorchAndGiveTheSameNumbers(@TempDir Path tmp) throws IOException {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux's /proc to see mapped libraries");
        TinyTask task = TinyTask.create(tmp);
        Path model = tmp.resolve("model");
        TrainConfig config = TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withEpochs(2).withBatchSize(8);
        TrainingRun.builder().data(task.data()).validationSplit(0.25).weights(task.weights().toString()).config(config)
                .preset(new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f})).out(model).threads(2)
                .build().run(TrainListener.NONE, new PrintStream(new ByteArrayOutputStream(), true));

        String here = summary(model, task.data(), task.weights());
        ChildJvm.Outcome child = ChildJvm.run(Child.class.getName(), List.of("-Xmx512m"),
                List.of(model.toString(), task.data().toString(), task.weights().toString()), Map.of(),
                Duration.ofMinutes(3));
        assertEquals(0, child.exitCode(), child.output());
        assertTrue(child.output().contains("libtorch mapped: false"), child.output());
        assertTrue(child.output().contains(here), "the child's numbers differ:\n" + child.output() + "\nhere:\n" + here);
        assertEquals(3 * TinyTask.PER_CLASS * 2 + 1, here.split("\n").length, "an evaluation line and 24 predictions twice");
    }
}
