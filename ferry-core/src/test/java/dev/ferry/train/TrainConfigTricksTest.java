package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.InputException;
import org.junit.jupiter.api.Test;

class TrainConfigTricksTest {

    @Test
    void theExtrasAreOffByDefault() {
        for (Strategy s : new Strategy[] {new Strategy.FeatureExtract(1, true), new Strategy.FineTune(0.1), new Strategy.Scratch()}) {
            TrainConfig c = TrainConfig.defaults(s);
            assertEquals(0, c.mixupAlpha());
            assertEquals(0, c.cutmixAlpha());
            assertEquals(0, c.emaHorizon());
            assertEquals(Balance.OFF, c.balance());
            assertEquals(false, c.mixup().on());
            assertEquals(false, c.ema());
        }
    }

    @Test
    void cutmixOnCachedFeaturesIsRefusedWithTheWayOut() {
        InputException e = assertThrows(InputException.class,
                () -> TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withCutmix(1.0));
        assertEquals("cutmixAlpha needs images, but feature-extract trains its head on cached backbone features;"
                + " pass cache=false to run the backbone on mixed images every epoch", e.getMessage());
        assertEquals(1.0, TrainConfig.defaults(new Strategy.FeatureExtract(1, false)).withCutmix(1.0).cutmixAlpha());
        assertEquals(0.2, TrainConfig.defaults(new Strategy.FeatureExtract(1, true)).withMixup(0.2).mixupAlpha(),
                "mixup applies to cached features");
    }

    @Test
    void badValuesAreRefusedAtTheEdge() {
        TrainConfig c = TrainConfig.defaults(new Strategy.FineTune(0.1));
        assertEquals("mixupAlpha must be a Beta alpha in [0, 100.0] (0: off), got -0.1",
                assertThrows(InputException.class, () -> c.withMixup(-0.1)).getMessage());
        assertThrows(InputException.class, () -> c.withCutmix(Double.NaN));
        assertEquals("emaHorizon must be a fraction of the run's optimizer steps in (0, 1] (0: off), got 1.5",
                assertThrows(InputException.class, () -> c.withEma(1.5)).getMessage());
        assertEquals(Balance.OFF, c.withBalance(null).balance(), "a record written before balancing existed reads as off");
    }

    @Test
    void aRunRecordWrittenBeforeTheExtrasReadsThemAsOff() {
        TrainConfig c = TrainConfig.defaults(new Strategy.FineTune(0.1)).withMixup(0.2).withEma(0.3).withBalance(Balance.WEIGHTS);
        RunRecord r = new RunRecord(null, "resnet18", 64, "imagenet", java.util.List.of("a", "b"), 10, 2, "data", null, 0.2,
                dev.ferry.data.Preset.imagenetV1(), 0f, c, java.util.List.of(c.epochs()), false);
        assertEquals(c, RunRecord.fromJson(r.toJson(), "test").config(), "the extras round-trip");
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(r.toJson()).getAsJsonObject();
        com.google.gson.JsonObject cfg = json.getAsJsonObject("config");
        for (String k : new String[] {"mixupAlpha", "cutmixAlpha", "emaHorizon", "balance"}) {
            cfg.remove(k);
        }
        TrainConfig old = RunRecord.fromJson(json.toString(), "test").config();
        assertEquals(0, old.mixupAlpha());
        assertEquals(0, old.cutmixAlpha());
        assertEquals(0, old.emaHorizon());
        assertEquals(Balance.OFF, old.balance());
        assertEquals(java.util.List.of("mixupAlpha: 0.0 recorded, 0.2 now", "emaHorizon: 0.0 recorded, 0.3 now",
                        "balance: off recorded, weights now"),
                RunRecord.fromJson(json.toString(), "test").differences(r).stream().map(Object::toString).toList());
    }
}
