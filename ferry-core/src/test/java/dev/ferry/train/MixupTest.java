package dev.ferry.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.data.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixupTest {

    @Test
    void mixupBlendsEachImageWithItsMirroredPartner() {
        // Two images of 2 pixels, lam 0.75, partner = the reversed batch:
        // row 0: 0.75 * [1, 2] + 0.25 * [5, 10] = [0.75 + 1.25, 1.5 + 2.5] = [2, 4]
        // row 1: 0.75 * [5, 10] + 0.25 * [1, 2] = [3.75 + 0.25, 7.5 + 0.5] = [4, 8]
        float[] x = {1, 2, 5, 10};
        Mixup.mix(x, 2, 0.75);
        assertArrayEquals(new float[] {2, 4, 4, 8}, x, 1e-6f);

        // Three rows, lam 0.6: row 0 with row 2, row 1 its own partner.
        // row 0: 0.6 * 1 + 0.4 * 3 = 1.8; row 1: 2; row 2: 0.6 * 3 + 0.4 * 1 = 2.2
        float[] odd = {1, 2, 3};
        Mixup.mix(odd, 3, 0.6);
        assertArrayEquals(new float[] {1.8f, 2f, 2.2f}, odd, 1e-6f);
    }

    @Test
    void softTargetsSmoothEachOneHotBeforeMixing() {
        // K = 3, smoothing 0.1: off = 0.1 / 3 = 0.033333, on = 0.9 + 0.033333 = 0.933333.
        // Labels {0, 2}, lam 0.75:
        // row 0 = 0.75 * [on, off, off] + 0.25 * [off, off, on]
        //       = [0.7 + 0.008333, 0.033333, 0.025 + 0.233333] = [0.708333, 0.033333, 0.258333]
        // row 1 = 0.75 * [off, off, on] + 0.25 * [on, off, off] = [0.258333, 0.033333, 0.708333]
        float[] t = Mixup.targets(new int[] {0, 2}, 3, 0.75, 0.1);
        assertArrayEquals(new float[] {0.708333f, 0.033333f, 0.258333f, 0.258333f, 0.033333f, 0.708333f}, t, 1e-6f);
        // Without mixing (lam 1) the targets are the smoothed one-hots alone.
        assertArrayEquals(new float[] {0.933333f, 0.033333f, 0.033333f, 0.033333f, 0.033333f, 0.933333f},
                Mixup.targets(new int[] {0, 2}, 3, 1.0, 0.1), 1e-6f);
    }

    @Test
    void accuracyCountsAgainstTheDominantLabel() {
        assertArrayEquals(new int[] {2, 1, 0}, Mixup.dominant(new int[] {0, 1, 2}, 0.4));
        assertArrayEquals(new int[] {0, 1, 2}, Mixup.dominant(new int[] {0, 1, 2}, 0.5));
    }

    @Test
    void cutmixBoxIsTimmsRandBboxAndItsLamIsCorrectedToTheArea() {
        // 10 x 10, lam 0.64: side int(10 * sqrt(0.36)) = 6, half 3; centre (y 2, x 8):
        // rows clip(2 - 3) = 0 .. 2 + 3 = 5, columns 8 - 3 = 5 .. clip(8 + 3) = 10: area 5 * 5 = 25,
        // corrected lam 1 - 25 / 100 = 0.75 (not the drawn 0.64: the box was clipped).
        Mixup.Box b = Mixup.box(10, 10, 0.64, 2, 8);
        assertEquals(new Mixup.Box(0, 5, 5, 10), b);
        assertEquals(0.75, Mixup.correctedLam(b, 10, 10), 1e-12);
        // 7 x 7, lam 0.75: side int(7 * 0.5) = 3, half 1, centre (3, 3): rows and columns 2 .. 4,
        // area 4 (as timm, an odd side spans twice its half), lam 1 - 4 / 49.
        Mixup.Box odd = Mixup.box(7, 7, 0.75, 3, 3);
        assertEquals(new Mixup.Box(2, 4, 2, 4), odd);
        assertEquals(1 - 4 / 49.0, Mixup.correctedLam(odd, 7, 7), 1e-12);
    }

    @Test
    void cutmixPastesThePartnersBoxIntoEveryChannel() {
        // Two 2-channel 2 x 2 images; the box is row 0, column 1 of each channel.
        float[] x = {1, 2, 3, 4, /* channel 1 */ 11, 12, 13, 14,
                     5, 6, 7, 8, /* channel 1 */ 15, 16, 17, 18};
        Mixup.paste(x, 2, 2, 2, 2, new Mixup.Box(0, 1, 1, 2));
        assertArrayEquals(new float[] {1, 6, 3, 4, 11, 16, 13, 14, 5, 2, 7, 8, 15, 12, 17, 18}, x);
    }

    @Test
    void aDrawPicksCutmixHalfTheTimeAndNeedsImages() {
        Mixup both = new Mixup(0.4, 1.0);
        int cutmix = 0;
        int n = 4000;
        for (int i = 0; i < n; i++) {
            Mixup.Draw d = both.draw(Seeds.forBatch(7, 1, i), 16, 16, true);
            if (d.cutmix()) {
                cutmix++;
                assertEquals(Mixup.correctedLam(d.box(), 16, 16), d.lam(), 1e-12, "CutMix's lam is the corrected one");
            } else {
                assertNull(d.box());
            }
            assertTrue(d.lam() >= 0 && d.lam() <= 1);
        }
        assertEquals(0.5, cutmix / (double) n, 0.03);
        assertEquals(both.draw(Seeds.forBatch(7, 3, 2), 16, 16, true), both.draw(Seeds.forBatch(7, 3, 2), 16, 16, true),
                "the same seed, epoch and batch draw the same mixing");
        for (int i = 0; i < 50; i++) {
            assertTrue(!both.draw(Seeds.forBatch(7, 1, i), 16, 16, false).cutmix(), "without images only mixup applies");
        }
        assertNull(new Mixup(0, 1.0).draw(new SplittableRandom(1), 16, 16, false), "CutMix alone on features mixes nothing");
        assertNotNull(new Mixup(0, 1.0).draw(new SplittableRandom(1), 16, 16, true).box());
    }

    @Test
    void betaDrawsHaveTheBetaDistributionsMeanAndVariance() {
        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); a below and above 1 take the two gamma paths.
        for (double a : new double[] {0.2, 0.4, 1.0, 2.0}) {
            SplittableRandom r = new SplittableRandom(11);
            int n = 40_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double v = Mixup.beta(a, r);
                assertTrue(v >= 0 && v <= 1);
                sum += v;
                sq += v * v;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            assertEquals(0.5, mean, 0.01, "alpha " + a);
            assertEquals(1 / (4 * (2 * a + 1)), var, 0.006, "alpha " + a);
        }
    }
}
