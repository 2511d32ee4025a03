package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainTransformTest {

    private static final RgbImage PHOTO = ImageDecoder.decode(Fixtures.path("images/rgb_451x300.png"));
    private static final RgbImage SMALL = ImageDecoder.decode(Fixtures.path("images/grey_28x28.png"));

    @Test
    void randomResizedCropIsResizedCropOfTheSampledBoxThenMaybeFlip() {
        Preset preset = Preset.imagenetV1();
        TrainTransform t = new TrainTransform(preset, Augmentation.randomResizedCrop());
        int flips = 0;
        for (long seed = 0; seed < 40; seed++) {
            RgbImage out = t.augment(PHOTO, new SplittableRandom(seed));
            assertEquals(224, out.width());
            assertEquals(224, out.height());
            // Replay the same draws: box first, then the flip coin.
            SplittableRandom r = new SplittableRandom(seed);
            CropBox box = RandomResizedCrop.defaults().sample(PHOTO.width(), PHOTO.height(), r);
            RgbImage expected = Torchvision.resizedCrop(PHOTO, box, 224, Interpolation.BILINEAR);
            if (r.nextDouble() < 0.5) {
                expected = expected.flipHorizontal();
                flips++;
            }
            assertEquals(expected, out, "seed " + seed);
        }
        assertTrue(flips > 5 && flips < 35, "flip should happen about half the time: " + flips);
    }

    @Test
    void padAndShiftTranslatesWithBlackBorder() {
        Preset preset = Preset.small28();
        TrainTransform t = new TrainTransform(preset, Augmentation.padAndShift(4, false));
        Set<String> shifts = new HashSet<>();
        for (long seed = 0; seed < 1500; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int i = r.nextInt(9);
            int j = r.nextInt(9);
            int dy = 4 - i;
            int dx = 4 - j;
            shifts.add(dx + "," + dy);
            RgbImage out = t.augment(SMALL, new SplittableRandom(seed));
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int sx = x - dx;
                    int sy = y - dy;
                    int expected = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? SMALL.get(sx, sy, 0) : 0;
                    assertEquals(expected, out.get(x, y, 1), "seed " + seed + " at " + x + "," + y);
                }
            }
        }
        assertEquals(81, shifts.size(), "every shift in [-4, 4]^2 occurs");
    }

    @Test
    void noneWithoutFlipEqualsEval() {
        TrainTransform t = new TrainTransform(Preset.imagenetV1(), Augmentation.none());
        float[] train = t.apply(PHOTO, new SplittableRandom(3));
        float[] eval = new EvalTransform(Preset.imagenetV1()).apply(PHOTO);
        assertArrayEquals(eval, train);
    }

    @Test
    void outputDependsOnlyOnTheGeneratorSeed() {
        TrainTransform t = new TrainTransform(Preset.imagenetV2(), Augmentation.randomResizedCrop());
        float[] a = t.apply(PHOTO, Seeds.forSample(42, 3, 17));
        float[] b = t.apply(PHOTO, Seeds.forSample(42, 3, 17));
        float[] c = t.apply(PHOTO, Seeds.forSample(42, 4, 17));
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c), "another epoch gives another augmentation");
        assertEquals(3 * 224 * 224, a.length);
    }
}
