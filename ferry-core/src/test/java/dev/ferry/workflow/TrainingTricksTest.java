package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.eval.EpochRecord;
import dev.ferry.train.Balance;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Optimizer;
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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixup, CutMix, the weight average and class balancing through a whole training run of the tiny
 * task: each runs, is recorded in model.json, repeats with the seed, and the average survives an
 * interruption.
 */
class TrainingTricksTest {
    private static final PresetOverride PRESET = new PresetOverride(0, 32, new float[] {0.5f}, new float[] {0.25f});

    private static TrainingRun.Outcome train(TinyTask task, Path out, TrainConfig cfg, boolean resume, TrainListener listener) {
        return TrainingRun.builder().data(task.data()).validationSplit(0.25).weights(task.weights().toString()).config(cfg)
                .preset(PRESET).out(out).resume(resume).threads(2).build()
                .run(listener, new PrintStream(new ByteArrayOutputStream(), true));
    }

    private static void assertSameRun(TrainingRun.Outcome a, Path aOut, TrainingRun.Outcome b, Path bOut) {
        assertEquals(a.result().history().size(), b.result().history().size());
        for (int e = 0; e < a.result().history().size(); e++) {
            EpochRecord x = a.result().history().get(e);
            EpochRecord y = b.result().history().get(e);
            assertEquals(x.trainLoss(), y.trainLoss(), "epoch " + (e + 1) + " training loss");
            assertEquals(x.trainAccuracy(), y.trainAccuracy(), "epoch " + (e + 1) + " training accuracy");
            assertEquals(x.valLoss(), y.valLoss(), "epoch " + (e + 1) + " validation loss");
        }
        assertEquals(a.result().bestEpoch(), b.result().bestEpoch());
        StateDict wa = WeightsReader.read(aOut.resolve(ModelDirectory.WEIGHTS));
        StateDict wb = WeightsReader.read(bOut.resolve(ModelDirectory.WEIGHTS));
        assertEquals(wa.keys(), wb.keys());
        for (String k : wa.keys()) {
            assertArrayEquals(wa.get(k).floats(), wb.get(k).floats(), k);
        }
    }

    @Test
    void mixingAverageAndWeightsRunAreRecordedRepeatAndResume(@TempDir Path tmp) throws IOException {
        TinyTask task = TinyTask.create(tmp);
        TrainConfig plain = TrainConfig.defaults(new Strategy.FineTune(0.1)).withEpochs(3).withBatchSize(8).withSeed(42);
        TrainConfig tricks = plain.withMixup(0.4).withCutmix(1.0).withEma(0.3).withBalance(Balance.WEIGHTS);

        Path a = tmp.resolve("a");
        TrainingRun.Outcome first = train(task, a, tricks, false, TrainListener.NONE);
        Map<String, Object> hp = ModelDirectory.readInfo(a).hyperParameters();
        assertEquals(0.4, ((Number) hp.get("mixupAlpha")).doubleValue());
        assertEquals(1.0, ((Number) hp.get("cutmixAlpha")).doubleValue());
        assertEquals(0.3, ((Number) hp.get("emaHorizon")).doubleValue());
        assertEquals("weights", hp.get("balance"));
        assertTrue(ModelDirectory.readCheckpoint(a).optimizer().keySet().stream().anyMatch(k -> k.startsWith(Optimizer.LIVE)),
                "the checkpoint carries the trained weights beside the averaged model");
        for (EpochRecord r : first.result().history()) {
            assertTrue(Double.isFinite(r.trainLoss()) && Double.isFinite(r.valLoss()), r.toString());
        }

        Path b = tmp.resolve("b");
        assertSameRun(first, a, train(task, b, tricks, false, TrainListener.NONE), b);

        Path p = tmp.resolve("plain");
        TrainingRun.Outcome reference = train(task, p, plain, false, TrainListener.NONE);
        assertNotEquals(reference.result().history().get(0).trainLoss(), first.result().history().get(0).trainLoss(),
                "the mixed, weighted batches train on another loss");

        // Interrupted after epoch 1 and resumed: the average and the trained weights both continue.
        Path c = tmp.resolve("c");
        TrainListener killer = new TrainListener() {
            @Override
            public void epochFinished(EpochRecord record, boolean best) {
                if (record.epoch() == 1) {
                    throw new IllegalStateException("killed");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> train(task, c, tricks, false, killer));
        assertSameRun(first, a, train(task, c, tricks, true, TrainListener.NONE), c);
    }

    @Test
    void featureExtractMixesCachedFeaturesAndSamplesBalanced(@TempDir Path tmp) throws IOException {
        TinyTask task = TinyTask.create(tmp);
        TrainConfig cfg = TrainConfig.defaults(new Strategy.FeatureExtract(2, true)).withEpochs(3).withBatchSize(8)
                .withMixup(0.5).withEma(0.5).withBalance(Balance.SAMPLER);
        Path a = tmp.resolve("a");
        TrainingRun.Outcome first = train(task, a, cfg, false, TrainListener.NONE);
        ModelInfo info = ModelDirectory.readInfo(a);
        assertEquals("sampler", info.hyperParameters().get("balance"));
        assertEquals(0.5, ((Number) info.hyperParameters().get("mixupAlpha")).doubleValue());
        Path b = tmp.resolve("b");
        assertSameRun(first, a, train(task, b, cfg, false, TrainListener.NONE), b);
        List<EpochRecord> h = first.result().history();
        assertTrue(h.stream().allMatch(r -> Double.isFinite(r.trainLoss())), h.toString());
    }
}
