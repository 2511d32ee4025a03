package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RandomResizedCrop's box sampling stays within torchvision 0.14's constraints. */
class RandomResizedCropTest {

    private static final int[][] SIZES = {{451, 300}, {300, 700}, {224, 224}, {1000, 120}, {37, 500}, {2, 3},
        {1, 1}, {640, 480}};

    @Test
    void boxesRespectTorchvisionConstraintsOverManySeeds() {
        RandomResizedCrop rrc = RandomResizedCrop.defaults();
        int fallbacks = 0;
        int total = 0;
        for (int[] wh : SIZES) {
            int width = wh[0];
            int height = wh[1];
            CropBox fallback = rrc.fallback(width, height);
            for (long seed = 0; seed < 2000; seed++) {
                CropBox b = rrc.sample(width, height, new SplittableRandom(seed));
                total++;
                String where = width + "x" + height + " seed " + seed + ": " + b;
                assertTrue(b.top() >= 0 && b.left() >= 0, where);
                assertTrue(b.top() + b.height() <= height && b.left() + b.width() <= width, "inside image " + where);
                if (b.equals(fallback)) {
                    fallbacks++;
                    continue;
                }
                // An accepted try: w and h are rounded from sqrt(area * aspect) and sqrt(area / aspect),
                // so the area fraction and aspect hold up to that rounding (half a pixel per side).
                double areaLo = (b.width() - 0.5) * (b.height() - 0.5) / ((double) width * height);
                double areaHi = (b.width() + 0.5) * (b.height() + 0.5) / ((double) width * height);
                assertTrue(areaHi >= 0.08 - 1e-12 && areaLo <= 1.0 + 1e-12, "area fraction " + where);
                double aspectLo = (b.width() - 0.5) / (b.height() + 0.5);
                double aspectHi = (b.width() + 0.5) / (b.height() - 0.5);
                assertTrue(aspectHi >= 3.0 / 4.0 - 1e-12 && aspectLo <= 4.0 / 3.0 + 1e-12, "aspect " + where);
            }
        }
        // Square-ish large images almost never fall back; tiny ones often do.
        assertTrue(fallbacks < total / 2, "fallbacks " + fallbacks + " of " + total);
    }

    @Test
    void fallbackIsACentredCropWithClampedRatio() {
        RandomResizedCrop rrc = RandomResizedCrop.defaults();
        // Very wide: h = height, w = round(h * 4/3) = round(160) = 160, centred.
        assertEquals(new CropBox(0, (1000 - 160) / 2, 120, 160), rrc.fallback(1000, 120));
        // Very tall: w = width, h = round(37 / 0.75) = round(49.33) = 49.
        assertEquals(new CropBox((500 - 49) / 2, 0, 49, 37), rrc.fallback(37, 500));
        // Within the ratio range: the whole image.
        assertEquals(new CropBox(0, 0, 300, 350), rrc.fallback(350, 300));
        // Python round is half-to-even: h = round(6 / 0.75 ... ) use a ratio making x.5 exact.
        RandomResizedCrop r = new RandomResizedCrop(0.5, 1.0, 2.0, 2.5);
        // in_ratio = 5/1 > 2.5: h = 1, w = round(1 * 2.5) = 2 (banker's rounding, not 3).
        assertEquals(new CropBox(0, 1, 1, 2), r.fallback(5, 1));
    }

    @Test
    void tinyImagesFallBackWhenNoTryFits() {
        // A 1x1 image: w = round(sqrt(a * r)) is 0 or 1; when the tries fail the whole image is used.
        for (long seed = 0; seed < 100; seed++) {
            assertEquals(new CropBox(0, 0, 1, 1), RandomResizedCrop.defaults().sample(1, 1, new SplittableRandom(seed)));
        }
    }

    @Test
    void deterministicForASeedAndVariedAcrossSeeds() {
        RandomResizedCrop rrc = RandomResizedCrop.defaults();
        Set<CropBox> seen = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            CropBox a = rrc.sample(451, 300, new SplittableRandom(seed));
            CropBox b = rrc.sample(451, 300, new SplittableRandom(seed));
            assertEquals(a, b);
            seen.add(a);
        }
        assertTrue(seen.size() > 45, "boxes should vary with the seed: " + seen.size());
        assertNotEquals(rrc.sample(451, 300, Seeds.forSample(1, 0, 0)), rrc.sample(451, 300, Seeds.forSample(1, 0, 1)));
    }

    @Test
    void scaleRangeIsHonoured() {
        // scale (0.5, 0.5), ratio (1, 1) on a 200x200 image: always a ~141x141 box.
        RandomResizedCrop rrc = new RandomResizedCrop(0.5, 0.5, 1.0, 1.0);
        for (long seed = 0; seed < 100; seed++) {
            CropBox b = rrc.sample(200, 200, new SplittableRandom(seed));
            assertEquals(141, b.width());
            assertEquals(141, b.height());
        }
    }

    @Test
    void rejectsBadRanges() {
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0, 1, 0.75, 1.33));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.5, 0.4, 0.75, 1.33));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.1, 1.1, 0.75, 1.33));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.1, 1, 2, 1));
    }
}
