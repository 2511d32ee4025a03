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
}
